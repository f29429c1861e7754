// ESLint flat config: type-aware TypeScript rules, import cycles, and the workflow sandbox boundary.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.mlops/**', 'coverage/**', 'bench/.venv/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no heavy or I/O packages.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflow code must not import Node built-ins.' })),
          patterns: [
            {
              group: [
                '@temporalio/worker',
                '@temporalio/client',
                '@temporalio/activity',
                '@temporalio/testing',
                'onnxruntime-node',
                'apache-arrow',
                'pino',
                '**/lib/**',
                '**/activities/**',
              ],
              message:
                'Workflows import only @temporalio/workflow, @temporalio/common and workflows/ (types via import type).',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setInterval', message: 'Use workflow sleep/condition.' },
        { name: 'process', message: 'Workflows get configuration in their input.' },
      ],
    },
  },
  {
    // The CLI writes its results to stdout on purpose.
    files: ['client/cli/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
