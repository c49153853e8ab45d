// `npm start`: the embedded runtime lands with the local-runtime issue.
process.stdout.write('Herald local demo: coming soon (see README).\n');
