/** The bytes of a binary file in test/fixtures/: read from disk in Node and Deno, fetched in a browser. */
export async function fixtureBytes(name: string): Promise<Uint8Array> {
  const url = new URL(`../fixtures/${name}`, import.meta.url);
  if (url.protocol === "file:") {
    const fsName = "node:fs/promises"; // indirect: the browser bundler must not resolve node:fs
    const fs = (await import(/* @vite-ignore */ fsName)) as typeof import("node:fs/promises");
    return new Uint8Array(await fs.readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetch ${url}: ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}
