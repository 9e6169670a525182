import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.scratch/**']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', performance: 'readonly', setImmediate: 'readonly'}},
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // CommonJS config files (.dependency-cruiser.cjs).
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {module: 'writable', require: 'readonly'}},
  },
  {
    // Determinism (DESIGN.md property 2): simulated code takes time from the clock and randomness from a seed.
    files: ['src/core/**', 'src/engine/**', 'src/run/**', 'src/sim/**', 'src/services/**', 'src/strategies/**', 'strategies/**', 'src/broker/**', 'src/indicators/**'],
    ignores: ['src/core/time/system-clock.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        {selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Use the engine clock, not Date.now().'},
        {selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Use the engine clock, not new Date().'},
        {selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Use a seeded Rng, not Math.random().'},
        {selector: "CallExpression[callee.name=/^(setTimeout|setInterval)$/]", message: 'Use the scheduler on the clock, not raw timers.'},
      ],
    },
  },
  {
    // Layering: strategies and services run the same against the simulator and a live venue, so they see neither.
    // Market hours come from src/core/calendar. Tests may wire a simulator.
    files: ['strategies/**', 'src/strategies/**', 'src/services/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          regex: '^(\\.\\.?/)+(src/)?(sim|adapters)(/|$)',
          message: 'Strategies and services must not import the simulator or a venue adapter; market hours are in src/core/calendar.',
        }],
      }],
    },
  },
)
