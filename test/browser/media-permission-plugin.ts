import type { TestRunnerPlugin } from '@web/test-runner';
import type { ChromeLauncher } from '@web/test-runner-chrome';

/**
 * Server commands for tests in a browser without the fake media UI: `grant-media-permission` makes
 * the browser allow camera and microphone for the test page's origin, as when the person clicks
 * Allow in the prompt (which headless Chromium cannot show); `reset-media-permission` undoes it.
 */
export function mediaPermissionPlugin(): TestRunnerPlugin {
  return {
    name: 'media-permission',
    async executeCommand({ command, session }) {
      if (command !== 'grant-media-permission' && command !== 'reset-media-permission') return undefined;
      // The firefox group is launched through Puppeteer too, but its prompts are prefs, not CDP.
      if (session.browser.type !== 'puppeteer' || session.browser.name === 'Firefox') {
        throw new Error(`${command} needs Chromium through Puppeteer`);
      }
      const page = (session.browser as ChromeLauncher).getPage(session.id);
      const context = page.browserContext();
      if (command === 'grant-media-permission') {
        await context.overridePermissions(new URL(page.url()).origin, ['camera', 'microphone']);
      } else {
        await context.clearPermissionOverrides();
      }
      return true;
    },
  };
}
