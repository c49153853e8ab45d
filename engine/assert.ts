/** Ends an exhaustive `switch`: the compiler proves it unreachable; at run time an unknown value throws. */
export function assertUnreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}
