export * from "./graph-syntax.ts";
export * from "./parse-workflow.ts";
export * from "./plan.ts";
export * from "./schema.ts";
export * from "./template.ts";
export * from "./workflow-error.ts";
