"""The inputs the fixture generators share with the tests: mulberry32 (rng() of
test/_util/reference.ts, bit for bit) and its values mapped to multiples of 1/32 in [-1, 1)
(quantized() of test/_util/conv_tester.ts), so a generator can store seeds instead of inputs."""
import math

MASK = 0xFFFFFFFF


def mulberry32(seed):
    """The same generator as rng() in test/_util/reference.ts, bit for bit."""
    state = seed & MASK

    def imul(a, b):
        return (a * b) & MASK

    def nxt():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & MASK
        return ((t ^ (t >> 14)) & MASK) / 4294967296

    return nxt


def quantized(n, seed):
    r = mulberry32(seed)
    return [(math.floor(r() * 64) - 32) / 32 for _ in range(n)]
