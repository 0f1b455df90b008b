/**
 * @module Linux process and machine readings for the benchmark: CPU ticks, peak RSS, the
 * machine. Deno grants reads under /proc only with --allow-all, so files there are read
 * through `cat` (one short process, never inside a timed window's measurement).
 */

/** The text of a file under /proc, read by `cat`. */
export async function readProc(path: string): Promise<string> {
  const output = await new Deno.Command("cat", { args: [path], stderr: "piped" }).output();
  if (!output.success) {
    throw new Error(`Cannot read ${path}: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** Clock ticks per second of `/proc/<pid>/stat` times: `getconf CLK_TCK`, else 100. */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const output = await new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" })
      .output();
    const ticks = Number(new TextDecoder().decode(output.stdout).trim());
    return output.success && Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

/** utime + stime of a process, in clock ticks. */
export async function cpuTicks(pid: number): Promise<number> {
  const stat = await readProc(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state), so utime (14) and stime (15) are at 11 and 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** Peak resident set size (`VmHWM`) of a process, in bytes. */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readProc(`/proc/${pid}/status`);
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  if (match === null) throw new Error(`Cannot read VmHWM of process ${pid}`);
  return Number(match[1]) * 1024;
}

/** Busy and total jiffies of the whole machine, from the first line of `/proc/stat`. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readProc("/proc/stat")).split("\n", 1)[0]!;
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * How busy the machine is while this benchmark runs nothing (servers idle), over `ms`:
 * 0 = idle, 1 = every core busy. Other work on the machine shows up here.
 */
export async function idleMachineLoad(ms: number): Promise<number> {
  const before = await machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await machineTicks();
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

/** What the benchmark ran on. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramBytes: number;
  readonly kernel: string;
  readonly deno: string;
  readonly v8: string;
  readonly wrk: string;
}

/** Reads the CPU model, core count and RAM from /proc, and the tool versions. */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readProc("/proc/cpuinfo");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  const cores = cpuinfo.split("\n").filter((line) => /^processor\s*:/.test(line)).length;
  const meminfo = await readProc("/proc/meminfo");
  const ramKb = Number(/^MemTotal:\s+(\d+)\s+kB$/m.exec(meminfo)?.[1] ?? 0);
  let wrk = "unknown";
  try {
    const output = await new Deno.Command("wrk", { args: ["--version"], stderr: "piped" })
      .output();
    const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
    wrk = /^wrk\s+(\S+)/m.exec(text)?.[1] ?? "unknown";
  } catch {
    // Reported as unknown; run.ts checks for wrk before it gets here.
  }
  return {
    cpuModel: model,
    cores: cores || navigator.hardwareConcurrency,
    ramBytes: ramKb * 1024,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    wrk,
  };
}

/** True when `wrk` can be started. */
export async function hasWrk(): Promise<boolean> {
  try {
    await new Deno.Command("wrk", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return true;
  } catch {
    return false;
  }
}
