// Small pieces shared by the conv drivers.

/** Rounds a byte pointer up to 16 (each scratch part starts vector-aligned). */
// @ts-ignore: decorator
@inline export function align16(p: usize): usize {
  return (p + 15) & ~(<usize>15);
}
