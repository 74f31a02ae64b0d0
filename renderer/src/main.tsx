import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/App.js';
import { listenForProgress } from './stores/progress.js';
import { listenForOpenRequests, startUp } from './startup.js';
import './styles/base.css';

listenForProgress();
listenForOpenRequests();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
void startUp();
