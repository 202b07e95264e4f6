/**
 * This process's CPU use since the previous call (100 = one core busy the whole time) and its
 * resident memory. Reads only the `process` global.
 */
export class ProcessUsage {
  private lastCpu = process.cpuUsage();
  private lastAt = process.hrtime.bigint();

  /** `{ cpuPercent, rssMb }` since the previous call (or since construction). */
  sample(): { cpuPercent: number; rssMb: number } {
    const cpu = process.cpuUsage();
    const at = process.hrtime.bigint();
    const cpuMicros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const wallMicros = Number(at - this.lastAt) / 1_000;
    this.lastCpu = cpu;
    this.lastAt = at;
    return {
      cpuPercent: wallMicros > 0 ? (100 * cpuMicros) / wallMicros : 0,
      rssMb: process.memoryUsage.rss() / (1024 * 1024),
    };
  }
}
