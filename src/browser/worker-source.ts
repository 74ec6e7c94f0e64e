// The converter worker's code as text, for starting it from a Blob where its file cannot be
// reached (see startDefaultWorker). Empty in the source tree: `npm run build:lib` writes the
// built worker's code into dist/browser/worker-source.js.
const source: string = "";
export default source;
