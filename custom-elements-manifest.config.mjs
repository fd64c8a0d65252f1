// Builds custom-elements.json (the package's "customElements" file) from the JSDoc headers of the
// elements: `npm run build` runs `cem analyze`. The manifest describes the npm package, so it names
// the compiled modules in lib/ and lists only the public API.

/** Points each module at its compiled file and leaves out private and protected members. */
function publicApiOfPackage() {
  const toLib = (path) => path.replace(/^\/?src\//, 'lib/').replace(/\.ts$/, '.js');
  return {
    name: 'rtc-call-public-api',
    packageLinkPhase({ customElementsManifest }) {
      for (const module of customElementsManifest.modules) {
        module.path = toLib(module.path);
        for (const exported of module.exports ?? []) {
          if (exported.declaration?.module) exported.declaration.module = toLib(exported.declaration.module);
        }
        for (const declaration of module.declarations ?? []) {
          const hidden = new Set(
            (declaration.members ?? [])
              .filter((member) => member.privacy === 'private' || member.privacy === 'protected')
              .map((member) => member.name),
          );
          declaration.members = declaration.members?.filter((member) => !hidden.has(member.name));
          // lit's internal reactive state (`state: true`) is no attribute.
          declaration.attributes = declaration.attributes?.filter((attribute) => !hidden.has(attribute.fieldName));
        }
      }
    },
  };
}

export default {
  globs: ['src/components/**/*.component.ts', 'src/rtc-call.ts', 'src/rtc-device-picker.ts'],
  outdir: '.',
  litelement: true,
  packagejson: false,
  plugins: [publicApiOfPackage()],
};
