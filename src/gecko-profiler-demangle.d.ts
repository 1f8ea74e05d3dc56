// The package's wasm-bindgen glue, which src/demangle.ts instantiates itself
// (its index.js imports the .wasm as a module, which Node 20 cannot).
declare module 'gecko-profiler-demangle/index_bg.js' {
  export function __wbg_set_wasm(exports: WebAssembly.Exports): void;
  export function demangle_any(name: string): string;
}
