// uPlot ships its types as dist/uPlot.d.ts, which its package.json does not name.
declare module 'uplot' {
  import uPlot = require('uplot/dist/uPlot.js');
  export default uPlot;
}
