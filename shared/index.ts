export * from "./errors.ts";
export * from "./ids.ts";
export * from "./protocol.ts";
export * from "./retry-policy.ts";
export * from "./states.ts";
export * from "./logging.ts";
export * from "./platform-paths.ts";
export * from "./bundle-ref.ts";
