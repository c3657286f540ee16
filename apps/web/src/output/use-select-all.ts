import {
  type ClipboardEvent,
  type KeyboardEvent,
  type RefObject,
  useEffect,
  useState,
} from 'react';
import type { OutputBuffer } from './output-buffer';
import type { RowList } from './row-layout';

/**
 * Ctrl+A in a virtualised view: the whole output, not the page. The selection shown is the rows
 * drawn (all the DOM has); a copy while it lasts puts every row listed on the clipboard. Any other
 * selection, or a click, ends it.
 */
export function useSelectAll(
  spacerRef: RefObject<HTMLDivElement | null>,
  buffer: OutputBuffer,
  list: RowList,
  everyRow: RowList,
) {
  const [allSelected, setAllSelected] = useState(false);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== 'a') {
      return;
    }
    const spacer = spacerRef.current;
    const selection = document.getSelection();
    if (spacer === null || selection === null) return;
    event.preventDefault();
    const range = document.createRange();
    range.selectNodeContents(spacer);
    selection.removeAllRanges();
    selection.addRange(range);
    setAllSelected(true);
  };

  useEffect(() => {
    if (!allSelected) return;
    const onChange = (): void => {
      const selection = document.getSelection();
      const spacer = spacerRef.current;
      if (
        selection === null ||
        selection.isCollapsed ||
        spacer === null ||
        !spacer.contains(selection.anchorNode)
      ) {
        setAllSelected(false);
      }
    };
    document.addEventListener('selectionchange', onChange);
    return () => document.removeEventListener('selectionchange', onChange);
  }, [allSelected, spacerRef]);

  const onCopy = (event: ClipboardEvent<HTMLDivElement>): void => {
    if (!allSelected) return;
    event.preventDefault();
    const text =
      list === everyRow
        ? buffer.plainText(0, buffer.rowCount)
        : Array.from({ length: list.count }, (_, item) => {
            const row = list.rowAt(item);
            return buffer.plainText(row, row + 1);
          }).join('\n');
    event.clipboardData.setData('text/plain', text);
  };

  return { onKeyDown, onCopy, onMouseDown: () => setAllSelected(false) };
}
