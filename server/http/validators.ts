/**
 * Request validation. Bodies are strict JSON: no type coercion ("1" is not 1, "a" is not ["a"])
 * and unknown fields are rejected by name, never silently dropped. Query strings and path
 * parameters are text by nature, so they are coerced to the schema's types.
 */
import { Ajv, type Options } from "ajv";
import addFormats from "ajv-formats";
import type { FastifyInstance, FastifySchema } from "fastify";

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({
    removeAdditional: false,
    useDefaults: true,
    allErrors: true,
    strict: false,
    ...options,
  });
  addFormats.default(ajv);
  return ajv;
}

export function installValidators(app: FastifyInstance): void {
  const strictAjv = makeAjv({ coerceTypes: false });
  const textAjv = makeAjv({ coerceTypes: "array" });
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) => {
    const ajv = httpPart === "body" ? strictAjv : textAjv;
    return ajv.compile(schema as object) as ReturnType<
      Parameters<FastifyInstance["setValidatorCompiler"]>[0]
    >;
  });
}
