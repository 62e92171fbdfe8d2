/** Typed parameters out of libvirt: values follow the C type (64-bit as bigint). */
export type TypedParams = Record<string, number | bigint | boolean | string | Array<number | bigint | boolean | string>>;

/** A value with its libvirt type named explicitly. */
export interface TypedValue {
  type: 'int' | 'uint' | 'llong' | 'ullong' | 'double' | 'boolean' | 'string';
  value: number | bigint | boolean | string;
}

/**
 * Typed parameters into libvirt. Each field's type comes from libvirt's
 * documentation of the call's parameters when known, else from an explicit
 * {@link TypedValue}, else from the JS value (bigint -> ullong, boolean,
 * string, integer -> uint or int, fraction -> double). An array repeats a field.
 */
export type TypedParamsInput = Record<string, number | bigint | boolean | string | TypedValue | Array<number | bigint | boolean | string | TypedValue>>;
