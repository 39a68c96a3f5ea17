/// <reference lib="dom" />
// The website driven by a real browser: Playwright (playwright-core) with Debian's Chromium.
import { chromium } from "playwright-core";

/** Debian's Chromium (`apt-get install -y chromium`); Playwright's own browsers are never downloaded. */
export const CHROMIUM = "/usr/bin/chromium";

/** Flags for this machine's closed network (ENVIRONMENT-NOTES, "Browser tests"). */
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"];

/** What the browser saw in one chat turn. */
export interface BrowserChatResult {
  /** A partial reply was on screen while it was still streaming. */
  partialBeforeComplete: boolean;
  /** The texts a streaming reply showed, in order (for the failure message). */
  partials: string[];
  /** The completed first reply's text. */
  finalText: string;
  /** The label of the second reply after Stop was pressed (`… — stopped`). */
  stoppedLabel: string;
  /** The note under the first reply naming the model that wrote it. */
  modelNote: string;
  /** Names in the conversations view. */
  conversations: string[];
  /** Replies shown after opening `openConversation` from that view. */
  openedReplies: number;
}

/**
 * Opens the website, signs in, starts a conversation with the org's assistants, sends a message,
 * watches tokens arrive, then sends a second message and presses Stop while it streams.
 * Saves a screenshot to `screenshot`. Then opens `openConversation` from the conversations view.
 *
 * @throws Error from Playwright when an expected element does not appear in time.
 */
export async function browserChat(options: { websiteUrl: string; email: string; password: string; screenshot: string; openConversation: string }): Promise<BrowserChatResult> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const page = await browser.newPage();
    await page.goto(`${options.websiteUrl}/#/login`);
    await page.getByLabel("Email").fill(options.email);
    await page.getByLabel("Password").fill(options.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/#\/chat$/);
    // The chat opens on the newest conversation (the CLI's, with replies): start a fresh one and
    // wait until it is the one shown (one more option, an empty message list, the input enabled).
    const select = page.getByLabel("conversation");
    await page.waitForLoadState("networkidle");
    const before = await select.locator("option").count();
    await page.getByRole("button", { name: "New conversation" }).click();
    await page.waitForFunction(
      `document.querySelectorAll('select[aria-label="conversation"] option').length === ${before + 1} && document.querySelectorAll('.messages [data-testid]').length === 0 && !document.querySelector('input[aria-label="message"]').disabled`,
      undefined,
      { timeout: 30_000 },
    );
    const input = page.getByLabel("message");

    // Record every text a reply had while it was marked as streaming. (A string, not a function:
    // the test's transpiler may add helpers to functions that the page does not have.)
    await page.evaluate(`
      window.__partials = [];
      window.__observer = new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-testid="reply"].streaming')) {
          const text = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("");
          if (window.__partials.at(-1) !== text) window.__partials.push(text);
        }
      });
      window.__observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    `);
    await input.fill("Hello from the browser");
    await page.getByRole("button", { name: "Send" }).click();
    // A reply is complete once it names its model (the stored message's metadata).
    const firstReply = page.locator('[data-testid="reply"]:not(.streaming):has([data-testid="model"])').first();
    await firstReply.waitFor({ timeout: 60_000 });
    const replyText = (await firstReply.evaluate((el) => [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(""))).trim();
    const modelNote = (await firstReply.locator('[data-testid="model"]').textContent({ timeout: 10_000 })) ?? "";
    const partials = (await page.evaluate("window.__partials")) as string[];
    // A partial reply: a non-empty beginning of the final text, shown while it streamed.
    const partialBeforeComplete = partials.some((p) => p.trim().length > 0 && p.trim().length < replyText.length && replyText.startsWith(p.trim()));

    // A second reply, stopped while it streams.
    await input.fill("And once more, please");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator('[data-testid="reply"].streaming').last().waitFor({ timeout: 60_000 });
    await page.getByRole("button", { name: "Stop" }).click();
    const stopped = page.locator('[data-testid="reply"] .who', { hasText: "stopped" }).first();
    await stopped.waitFor({ timeout: 30_000 });
    const stoppedLabel = (await stopped.textContent()) ?? "";
    await page.screenshot({ path: options.screenshot, fullPage: true });

    // The conversations view lists both conversations; one opens in the chat with its messages.
    await page.goto(`${options.websiteUrl}/#/conversations`);
    const links = page.getByRole("table", { name: "conversations" }).getByRole("link");
    await links.first().waitFor({ timeout: 15_000 });
    const conversations = await links.allTextContents();
    await page.getByRole("link", { name: options.openConversation }).click();
    await page.waitForURL(/#\/chat\/[0-9a-f-]{36}$/);
    await page.locator('[data-testid="reply"]').first().waitFor({ timeout: 15_000 });
    const openedReplies = await page.locator('[data-testid="reply"]').count();
    return { partialBeforeComplete, partials, finalText: replyText, stoppedLabel, modelNote, conversations, openedReplies };
  } finally {
    await browser.close();
  }
}
