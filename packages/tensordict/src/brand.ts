/** The ordinary `instanceof` (prototype chain), for subclasses that carry no brand of their own. */
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/**
 * Makes `value instanceof cls` true for instances made by any copy of the class: the ESM and the CJS build
 * of a tdrl package loaded in one process (the dual-package hazard), or two installed copies. Each instance
 * carries `Symbol.for("tdrl.<name>")` through its prototype, a key shared by every copy, and `instanceof`
 * tests it instead of the prototype chain. A subclass that is not branded itself (e.g. a user's env) keeps
 * the ordinary test. Call it from the class's static block: `static { brandClass(this, "HostArray"); }`.
 *
 * @example
 * ```ts
 * class Point { static { brandClass(this, "Point"); } }
 * const fromOtherCopy = Object.create({ [Symbol.for("tdrl.Point")]: true });
 * fromOtherCopy instanceof Point; // true
 * ```
 */
export function brandClass(cls: { readonly prototype: object }, name: string): void {
  const brand = Symbol.for(`tdrl.${name}`);
  Object.defineProperty(cls.prototype, brand, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value(this: unknown, value: unknown): boolean {
      // The prototype chain first: with one copy loaded this costs what a plain instanceof does.
      if (ordinaryHasInstance.call(this, value)) return true;
      return (
        this === cls &&
        typeof value === "object" &&
        value !== null &&
        (value as Record<symbol, unknown>)[brand] === true
      );
    },
  });
}
