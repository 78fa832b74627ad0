import { defineConfig } from 'vite';

// `vite` (dev) and `vite preview` (the built dist/) both proxy the backend, so
// the app talks to /api and /ws on its own origin as it does behind Nginx.
// PARLEY_BACKEND picks the server replica (default http://127.0.0.1:8080).
const backend = process.env.PARLEY_BACKEND ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: backend, changeOrigin: false },
  '/healthz': { target: backend },
  '/ws': { target: backend, ws: true },
};

export default defineConfig({
  // plain React without the plugin: automatic JSX through the built-in transform
  oxc: { jsx: { runtime: 'automatic' } },
  build: { outDir: 'dist', sourcemap: true },
  server: { proxy },
  preview: { proxy },
});
