/** @jsxRuntime automatic */
/** @jsxImportSource react */
// The pragmas keep JSX working when tsx runs the CLI from a directory without our tsconfig.json.
import { useEffect, useState } from 'react';
import { render, Text } from 'ink';

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function Spinner({ label, color }: { label: string; color: boolean }) {
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setFrame((n) => (n + 1) % frames.length), 80);
    return () => clearInterval(timer);
  }, []);
  return (
    <Text>
      <Text color={color ? 'cyan' : undefined}>{frames[frame]}</Text> {label}…
    </Text>
  );
}

/** Draws on stderr so stdout carries only the result; returns a function that erases the spinner. */
export function showSpinner(label: string, color: boolean): () => void {
  const instance = render(<Spinner label={label} color={color} />, {
    stdout: process.stderr,
    patchConsole: false,
    // Ctrl+C must keep its default meaning (stop the CLI), not just stop the spinner.
    exitOnCtrlC: false,
  });
  return () => {
    instance.clear();
    instance.unmount();
  };
}
