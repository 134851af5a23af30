/** What a CLI accepts besides --help: boolean flags, options taking one value, and how many positionals. */
export interface CliSpec {
  flags?: string[];
  options?: string[];
  positionals: number | [min: number, max: number];
}

export interface CliArgs {
  flags: Set<string>;
  options: Map<string, string>;
  positionals: string[];
}

/** Bad usage: the reason and the help on stderr, exit code 2 (the shell convention for misuse). */
export function usageError(reason: string, help: string): never {
  console.error(`${reason}\n\n${help}`);
  process.exit(2);
}

/** Parses argv; `--help` / `-h` anywhere prints the help on stdout and exits 0. */
export function parseCli(argv: string[], help: string, spec: CliSpec): CliArgs {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(help);
    process.exit(0);
  }
  const args: CliArgs = { flags: new Set(), options: new Map(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (spec.flags?.includes(arg)) args.flags.add(arg);
    else if (spec.options?.includes(arg)) {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) usageError(`${arg} needs a value`, help);
      args.options.set(arg, value);
    } else if (arg.startsWith("-")) usageError(`unknown option ${arg}`, help);
    else args.positionals.push(arg);
  }
  const [min, max] = typeof spec.positionals === "number" ? [spec.positionals, spec.positionals] : spec.positionals;
  if (args.positionals.length < min || args.positionals.length > max) {
    usageError(max === 0 ? `unexpected argument ${args.positionals[0]}` : `expected ${min === max ? min : `${min}–${max}`} argument(s), got ${args.positionals.length}`, help);
  }
  return args;
}
