// Scratch layout helper shared by the kernel drivers (GEMM and conv).

/** Rounds a byte pointer up to 16 (each scratch part starts vector-aligned). */
// @ts-ignore: decorator
@inline export function align16(p: usize): usize {
  return (p + 15) & ~(<usize>15);
}
