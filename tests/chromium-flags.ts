// Flags for the system Chromium with WebGPU on SwiftShader, shared by the gpu-browser project
// (vitest.config.ts) and the app tests (tests/app/app.test.ts).
export const CHROMIUM_WEBGPU_FLAGS: readonly string[] = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
