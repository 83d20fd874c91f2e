/**
 * What a bench run produces: per scenario, one row of figures per system, plus the checks of the
 * issue's targets (each a ratio or a bound measured in this same run). Printed as plain tables and
 * written as JSON with the same content.
 */
import { writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";

export interface SystemRow {
  system: string;
  /** Column name → figure; null when the system has no such figure. */
  values: Record<string, number | null>;
  note?: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  columns: string[];
  rows: SystemRow[];
  /** Set when the scenario did not run, saying why. */
  skipped?: string;
  notes?: string[];
}

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGb: number;
  freeMemoryGb: number;
  loadAvgStart: number[];
  loadAvgEnd?: number[];
  node: string;
  startedAt: string;
}

export interface BenchReport {
  mode: "quick" | "full";
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  targets: TargetCheck[];
}

export function describeMachine(): MachineInfo {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGb: round(totalmem() / 2 ** 30, 1),
    freeMemoryGb: round(freemem() / 2 ** 30, 1),
    loadAvgStart: loadavg().map((l) => round(l, 2)),
    node: process.version,
    startedAt: new Date().toISOString(),
  };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function renderTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

export function renderScenario(result: ScenarioResult): string {
  const title = `## ${result.title}`;
  if (result.skipped) return `${title}\nskipped: ${result.skipped}`;
  const body = result.rows.map((row) => [
    row.system,
    ...result.columns.map((c) => formatValue(row.values[c])),
    row.note ?? "",
  ]);
  const notes = (result.notes ?? []).map((n) => `  note: ${n}`);
  return [title, renderTable(["system", ...result.columns, ""], body), ...notes].join("\n");
}

export function renderTargets(targets: TargetCheck[]): string {
  const body = targets.map((t) => [t.target, t.measured, t.met ? "met" : "MISSED"]);
  return `## Targets\n${renderTable(["target", "measured in this run", ""], body)}`;
}

export function renderMachine(machine: MachineInfo): string {
  const end = machine.loadAvgEnd ? `, at the end ${machine.loadAvgEnd.join(" ")}` : "";
  return (
    `machine: ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGb} GiB (${machine.freeMemoryGb} free), ` +
    `${machine.node}; load average at the start ${machine.loadAvgStart.join(" ")}${end}`
  );
}

export function writeJson(path: string, report: BenchReport): void {
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
