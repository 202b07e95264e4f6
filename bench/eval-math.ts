/**
 * MATH scoring speed: 5,000 model outputs in the minerva format (reasoning with inline math, a
 * boxed answer and the final-answer sentence), each scored with every metric (hendrycks_equiv,
 * boxed_equiv, minerva_equiv with the symbolic check, math_verify) on one core. Target < 2 s.
 * Prints numbers; asserts nothing.
 * Run: npx tsx bench/eval-math.ts [outputs]
 */
import { loadavg } from 'node:os';
import { scoreMathOutput, type MathSample } from 'exptrack/eval';

const n = Number(process.argv[2] ?? 5000);

// Gold answers of the kinds MATH has, each with a right and a wrong model answer.
const answers: Array<[gold: string, right: string, wrong: string]> = [
  ['17', '17.00', '18'],
  ['\\frac{7}{2}', '3.5', '\\frac{2}{7}'],
  ['2\\sqrt{3}', '\\sqrt{12}', '3\\sqrt{2}'],
  ['6\\pi', '6 \\pi', '3\\pi'],
  ['x^2+2x+1', '(x+1)^2', '(x-1)^2'],
  ['[2,5)', '[2,5)', '(2,5)'],
  ['(1,-3)', '(1, -3)', '(-3,1)'],
  ['25\\%', '25\\%', '20\\%'],
  ['-\\frac{2}{3}', '-\\dfrac{2}{3}', '\\frac{2}{3}'],
  ['1000', '1{,}000', '100'],
  ['\\frac{\\sqrt{3}}{2}', '\\frac{3}{2\\sqrt{3}}', '\\frac{\\sqrt{2}}{2}'],
  ['2^{10}', '1024', '2048'],
];

function outputFor(i: number, answer: string): string {
  const a = 2 + (i % 7);
  const b = 3 + (i % 11);
  return (
    `We have $a = ${a}$ and $b = ${b}$, so $a + b = ${a + b}$ and $ab = ${a * b}$. ` +
    `Substituting into $\\frac{a^2 + b^2}{2}$ gives $\\frac{${a * a} + ${b * b}}{2}$. ` +
    `Simplifying the expression step by step, we find that the value we need is $\\boxed{${answer}}$.\n` +
    `Final Answer: The final answer is $${answer}$. I hope it is correct.`
  );
}

const items = Array.from({ length: n }, (_, i) => {
  const [gold, right, wrong] = answers[i % answers.length]!;
  const sample: MathSample = { id: String(i), gold, problem: '', solution: `Working it out, the answer is $\\boxed{${gold}}$.`, subject: null, level: null };
  return { sample, output: outputFor(i, i % 3 === 0 ? wrong : right) };
});

// Warm up the JIT and the compiled regular expressions on a few outputs, as a real run would.
for (const it of items.slice(0, 50)) scoreMathOutput('minerva', it.sample, it.output);

const totals: Record<string, number> = {};
const cpuStart = process.cpuUsage();
const start = performance.now();
for (const it of items) {
  const s = scoreMathOutput('minerva', it.sample, it.output);
  for (const [k, v] of Object.entries(s.metrics ?? {})) totals[k] = (totals[k] ?? 0) + v;
}
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
// CPU time is what one core spent; on a loaded machine wall time also counts waiting for a core.
console.log(`MATH scoring, all metrics: ${n} outputs in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (${((cpuMs * 1000) / n).toFixed(0)} us/output), target < 2000 ms`);
console.log('metric means:', Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, +(v / n).toFixed(3)])));
console.log(`load average: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
