/** The keys of `T` whose type admits `undefined`. */
type MaybeUndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/**
 * `T` with every key that may hold `undefined` made optional and never `undefined`: what
 * {@link defined} returns.
 */
export type Defined<T> = {
  [K in Exclude<keyof T, MaybeUndefinedKeys<T>>]: T[K];
} & {
  [K in MaybeUndefinedKeys<T>]?: Exclude<T[K], undefined>;
};

/**
 * A copy of `value` without its undefined-valued keys. Options end up absent rather than present
 * and `undefined`, which is not the same thing to ssh2, zod, Kysely, JSON or an `in` check; one
 * call replaces a conditional spread per option.
 */
export function defined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Defined<T>;
}
