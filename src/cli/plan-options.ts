// The flags every plan-based command takes (read by build-plan.ts), apart from the code
// that reads them: registering them loads nothing but commander's types.

/** Adds the flags of `buildPlan` to a commander command. */
export function planOptions<C extends { option(flags: string, description: string, ...rest: never[]): C }>(command: C): C {
  return command
    .option("--entry <name>", "the pipeline to run (default: main)")
    .option("-p, --param <name=value>", "a parameter of the entry pipeline (repeatable)", ((v: string, acc: string[] = []) => [...acc, v]) as never)
    .option("--params <file.json>", "parameters of the entry pipeline, as a JSON object")
    .option("--config <file>", "a config file laid over the project's pipe.config.json");
}
