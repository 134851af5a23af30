import { invalidArgument } from "../errors.js";

/** The password complexity policy: fixed in this server, served by SettingsService/GetPasswordComplexitySettings. */
export const PASSWORD_COMPLEXITY = {
  minLength: 8,
  maxLength: 200,
  requiresUppercase: true,
  requiresLowercase: true,
  requiresNumber: true,
  requiresSymbol: true,
} as const;

const RULES: [RegExp, string, string][] = [
  [/\p{Lu}/u, "PASSWORD-no-uppercase", "Password must contain an uppercase letter"],
  [/\p{Ll}/u, "PASSWORD-no-lowercase", "Password must contain a lowercase letter"],
  [/\p{Nd}/u, "PASSWORD-no-digit", "Password must contain a digit"],
  [/[^\p{L}\p{Nd}]/u, "PASSWORD-no-symbol", "Password must contain a symbol"],
];

/** Throws InvalidArgument naming the first rule the password breaks; the message never quotes the password. */
export function checkPasswordComplexity(password: string): void {
  const length = [...password].length;
  if (length < PASSWORD_COMPLEXITY.minLength) {
    throw invalidArgument("PASSWORD-too-short", `Password must be at least ${PASSWORD_COMPLEXITY.minLength} characters long`);
  }
  if (length > PASSWORD_COMPLEXITY.maxLength) {
    throw invalidArgument("PASSWORD-too-long", `Password must be at most ${PASSWORD_COMPLEXITY.maxLength} characters long`);
  }
  for (const [pattern, id, message] of RULES) if (!pattern.test(password)) throw invalidArgument(id, message);
}
