/**
 * The workflow file (docs/workflows.md): one TypeBox schema for YAML and JSON alike. It checks the
 * shape only; names, graphs, cycles and templates are checked by parse-workflow.ts and plan.ts,
 * which can say which line is wrong.
 */
import { type Static, Type as T } from "@sinclair/typebox";

const Strict = { additionalProperties: false } as const;

/** Task and flow names: also the tokens of a `graph:` line, so no operators or spaces in them. */
export const NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_-]*$";
const Name = T.String({ pattern: NAME_PATTERN, maxLength: 64 });
const EnvName = T.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" });

/** `10m`, `1h30m`, `45s`, `500ms`, or a number of seconds. */
export const DurationSchema = T.Union([
  T.Number({ exclusiveMinimum: 0 }),
  T.String({ pattern: "^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)\\s*)+$" }),
]);

export const WorkflowTaskSchema = T.Object(
  {
    run: T.Union([T.String({ minLength: 1 }), T.Array(T.String(), { minItems: 1 })], {
      description: "A string runs through /bin/sh -c; an array is an argv, run without a shell.",
    }),
    needs: T.Optional(T.Array(Name, { uniqueItems: true })),
    env: T.Optional(T.Record(EnvName, T.String())),
    cwd: T.Optional(T.String({ minLength: 1 })),
    timeout: T.Optional(DurationSchema),
    retries: T.Optional(T.Integer({ minimum: 0, maximum: 100 })),
    retry_delay: T.Optional(DurationSchema),
    continue_on_error: T.Optional(T.Boolean()),
    description: T.Optional(T.String()),
  },
  Strict,
);
export type WorkflowTask = Static<typeof WorkflowTaskSchema>;

export const FlowSchema = T.Object(
  {
    graph: T.Optional(T.Union([T.String(), T.Array(T.String())])),
    tasks: T.Optional(T.Array(Name, { uniqueItems: true })),
    defaults: T.Optional(T.Record(T.String(), T.Unknown())),
    concurrency: T.Optional(T.Integer({ minimum: 1, maximum: 256 })),
    description: T.Optional(T.String()),
  },
  Strict,
);
export type Flow = Static<typeof FlowSchema>;

export const WorkflowFileSchema = T.Object(
  {
    version: T.Literal(1),
    flows: T.Optional(T.Record(T.String({ pattern: NAME_PATTERN }), FlowSchema)),
    // At most as many tasks as a heartbeat may carry (shared/protocol.ts).
    tasks: T.Record(T.String({ pattern: NAME_PATTERN }), WorkflowTaskSchema, {
      minProperties: 1,
      maxProperties: 1000,
    }),
  },
  { ...Strict, title: "Workflow" },
);
export type WorkflowFile = Static<typeof WorkflowFileSchema>;

/** The flow used when the file has no `flows:` or the job names none. */
export const DEFAULT_FLOW = "main";
