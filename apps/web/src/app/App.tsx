import { Console } from '../console/Console';
import { SignIn } from '../session/SignIn';
import { useSession } from '../session/session-context';

export function App() {
  const { session } = useSession();
  return session === null ? <SignIn /> : <Console />;
}
