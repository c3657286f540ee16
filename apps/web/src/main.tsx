import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiProvider } from './session/api-context';
import { App } from './app/App';
import { SessionProvider } from './session/session-context';
import './styles/app.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <SessionProvider>
      <ApiProvider>
        <App />
      </ApiProvider>
    </SessionProvider>
  </StrictMode>,
);
