/** Dataset format detection from the file name. */
import { extname } from 'node:path';
import { DatasetFormat, ErrorType } from '../../workflows/contracts';
import type { DatasetFormatName } from '../../workflows/contracts';
import { DomainError } from '../errors';

const byExtension: Record<string, DatasetFormatName> = {
  '.csv': DatasetFormat.csv,
  '.arrow': DatasetFormat.arrow,
  '.arrows': DatasetFormat.arrow,
  '.ipc': DatasetFormat.arrow,
  '.feather': DatasetFormat.arrow,
  '.parquet': DatasetFormat.parquet,
};

/** Returns the dataset format for a path, or throws UnsupportedFormat naming the accepted extensions. */
export function detectFormat(path: string): DatasetFormatName {
  const format = byExtension[extname(path).toLowerCase()];
  if (!format) {
    throw new DomainError(
      ErrorType.UnsupportedFormat,
      `unsupported dataset format '${extname(path) || '(no extension)'}' for ${path}: use ${Object.keys(byExtension).join(', ')}`,
    );
  }
  return format;
}
