declare const brandTag: unique symbol;

/**
 * A nominal type: `Brand<number, 'Term'>` is a number the compiler will not confuse with a
 * `Brand<number, 'LogIndex'>`. Make values with the checked constructors next to each type.
 */
export type Brand<T, Name extends string> = T & { readonly [brandTag]: Name };
