import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Run from the repository root (`npm run build:renderer`); paths are relative to this folder.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../renderer-dist',
    emptyOutDir: true,
    // The CSP allows only same-origin script files: never inline a module or a preload helper.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
