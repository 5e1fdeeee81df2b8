import { z } from "@hono/zod-openapi";

/**
 * DRF's wording for every check a schema does not word itself, installed as zod's locale: zod's own
 * text ("Invalid input: expected object, received undefined") never reaches a client. A schema that
 * words a check (a regex's message, a custom refinement) keeps its own words.
 */

const PYTHON_TYPE_NAMES: Record<string, string> = {
  array: "list",
  string: "str",
  number: "float",
  boolean: "bool",
  null: "NoneType",
  object: "dict",
};

/** What DRF calls a JSON value's type in its messages (`list`, `str`, `dict`…). */
export function pythonTypeName(input: unknown): string {
  const kind = Array.isArray(input) ? "array" : input === null ? "null" : typeof input;
  return PYTHON_TYPE_NAMES[kind] ?? kind;
}

/** DRF's message for a value that is absent or null, or nothing when it is there. */
export function missingValueMessage(input: unknown): string | undefined {
  if (input === undefined) return "This field is required.";
  if (input === null) return "This field may not be null.";
  return undefined;
}

/** DRF's ChoiceField message. */
export function notAValidChoice(input: unknown): string {
  const shown = typeof input === "string" ? input : JSON.stringify(input);
  return `"${shown}" is not a valid choice.`;
}

const WRONG_TYPE: Record<string, (input: unknown) => string> = {
  string: () => "Not a valid string.",
  number: () => "A valid number is required.",
  int: () => "A valid integer is required.",
  boolean: () => "Must be a valid boolean.",
  object: (input) => `Invalid data. Expected a dictionary, but got ${pythonTypeName(input)}.`,
  record: (input) => `Invalid data. Expected a dictionary, but got ${pythonTypeName(input)}.`,
  array: (input) => `Expected a list of items but got type "${pythonTypeName(input)}".`,
};

const INVALID = "Invalid value.";

function sizeMessage(origin: string, bound: number | bigint, side: "min" | "max"): string {
  if (origin === "string") {
    if (side === "min" && bound === 1) return "This field may not be blank.";
    return side === "min"
      ? `Ensure this field has at least ${bound} characters.`
      : `Ensure this field has no more than ${bound} characters.`;
  }
  if (origin === "array" || origin === "set") {
    return side === "min"
      ? `Ensure this field has at least ${bound} elements.`
      : `Ensure this field has no more than ${bound} elements.`;
  }
  return side === "min"
    ? `Ensure this value is greater than or equal to ${bound}.`
    : `Ensure this value is less than or equal to ${bound}.`;
}

const FORMAT_MESSAGES: Record<string, string> = {
  email: "Enter a valid email address.",
  url: "Enter a valid URL.",
  regex: "This value does not match the required pattern.",
  datetime: "Datetime has wrong format.",
};

export function drfMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return missingValueMessage(issue.input) ?? WRONG_TYPE[issue.expected]?.(issue.input) ?? INVALID;
    case "invalid_value":
      return missingValueMessage(issue.input) ?? notAValidChoice(issue.input);
    case "too_small":
      return sizeMessage(issue.origin, issue.minimum, "min");
    case "too_big":
      return sizeMessage(issue.origin, issue.maximum, "max");
    case "invalid_format":
      return FORMAT_MESSAGES[issue.format] ?? INVALID;
    default:
      return INVALID;
  }
}

z.config({ localeError: drfMessage });
