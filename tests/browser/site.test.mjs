// Verity's site in headless Chromium (Debian's package), then its pages through the Nu Html Checker.
//
// Expects a running `verity serve` at VERITY_URL on a data directory holding corpus.jsonl. A visitor asks a
// question on the home page, watches it run, lands on the report, clicks a citation and a follow-up, finds the
// check under "Your checks"; hostile source text shows as text and never runs; a pasted text is checked and its
// claims marked; every page holds at a phone's width. Every page the visit passed
// through is then validated with vnu.jar. Exits non-zero on the first failure.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const base = process.env.VERITY_URL;
assert.ok(base, "set VERITY_URL to the running server, e.g. http://127.0.0.1:8089");
const question = "Did the council ban cars from the old town of Brelin?";

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const visited = new Set();
let failures = 0;

async function step(name, body) {
  try {
    await body();
    console.log(`ok - ${name}`);
  } catch (error) {
    failures += 1;
    console.log(`not ok - ${name}\n  ${String(error && error.stack || error).split("\n").join("\n  ")}`);
  }
}

try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const dialogs = [];
  const cspViolations = [];
  page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) visited.add(frame.url()); });
  // Every request, redirect hops included: a fast check answers the progress page with a redirect.
  const requested = [];
  page.on("request", (request) => { if (request.isNavigationRequest()) requested.push(request.url()); });
  let reportUrl = "";

  await step("asking on the home page leads through the progress page to the report", async () => {
    await page.goto(base + "/");
    await page.fill("#q", question);
    await Promise.all([page.waitForURL(/\/checks\/[a-z]+\/[a-z0-9-]+$/, { timeout: 30000 }), page.click("form.ask button")]);
    reportUrl = page.url();
    assert.match(await page.locator("h1").first().innerText(), /Did the council ban cars/);
    assert.match(await page.locator(".verdict").innerText(), /Supported|Partly supported/);
    assert.ok(requested.some((u) => u.includes("/jobs/job-")), `the progress page was on the way: ${requested}`);
    assert.match(await page.locator(".banner").innerText(), /Keep Verity independent\s*·\s*0 of 500 supporters · \d+ days left · Support Verity/);
  });

  await step("the report carries ClaimReview JSON-LD with the properties fact-check aggregators require", async () => {
    const blocks = await page.locator("script[type='application/ld+json']").allTextContents();
    assert.equal(blocks.length, 1);
    const review = JSON.parse(blocks[0]);
    assert.equal(review["@context"], "https://schema.org");
    assert.equal(review["@type"], "ClaimReview");
    assert.equal(review.claimReviewed, "The council banned cars from the old town of Brelin.");
    assert.match(review.datePublished, /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(review.author["@type"], "Organization");
    assert.equal(review.url, "https://verity.example" + new URL(reportUrl).pathname);
    const rating = review.reviewRating;
    assert.equal(rating["@type"], "Rating");
    assert.ok(rating.ratingValue >= rating.worstRating && rating.ratingValue <= rating.bestRating);
    assert.equal(rating.alternateName, (await page.locator(".verdict strong").innerText()));
    assert.equal(review.itemReviewed["@type"], "Claim");
  });

  await step("a citation jumps to its source and shows the quoted passage", async () => {
    const cite = page.locator("a.cite").first();
    const target = (await cite.getAttribute("href")).slice(1);
    assert.ok((await cite.getAttribute("title")).length > 10, "the quoted passage is in the citation's title");
    await cite.click();
    assert.equal(new URL(page.url()).hash, "#" + target);
    assert.equal(await page.evaluate(() => document.querySelector(":target")?.id), target);
    assert.ok(await page.locator(`#${target} blockquote`).first().isVisible());
  });

  await step("hostile source text is shown as text and never runs", async () => {
    const text = await page.locator("#report").innerText();
    assert.ok(text.includes("<img src=x onerror="), "the payload is visible as text");
    assert.equal(await page.evaluate(() => window.__xss), undefined, "no payload ran");
    assert.equal(await page.locator("#report img, #report script").count(), 0);
    assert.equal(await page.locator("a[href^='javascript:']").count(), 0);
    assert.deepEqual(dialogs, []);
  });

  await step("the check is kept under Your checks, in this browser only", async () => {
    await page.goto(base + "/mine");
    const links = page.locator("#mine a");
    assert.equal(await links.count(), 1);
    assert.equal(await links.first().innerText(), question);
    assert.equal(new URL(await links.first().evaluate((a) => a.href)).pathname, new URL(reportUrl).pathname);
  });

  await step("a follow-up starts a new check", async () => {
    await page.goto(reportUrl);
    const followUp = page.locator("button.follow-up").first();
    const asked = await followUp.innerText();
    await Promise.all([page.waitForURL((url) => !url.href.startsWith(reportUrl), { timeout: 30000 }), followUp.click()]);
    await page.waitForLoadState("load");
    // A new claim goes through the progress page to its report; the same claim is offered its earlier report.
    try {
      await page.waitForFunction(() => document.querySelector("h1")?.innerText !== "Checking", null, { timeout: 120000 });
    } catch (error) {
      throw new Error(`still checking "${asked}": ${(await page.locator("main").innerText()).slice(0, 300)}`);
    }
    const heading = await page.locator("h1").first().innerText();
    assert.ok(heading === asked || heading === "Checked before", `landed on: ${heading}`);
  });

  await step("checking again adds a version and the page links it", async () => {
    await page.goto(reportUrl);
    await page.click("form[action$='/refresh'] button");
    try {
      await page.locator("h2", { hasText: "Versions" }).waitFor({ timeout: 30000 });
    } catch (error) {
      throw new Error(`no versions at ${page.url()} after ${[...visited].slice(-4).join(" ")}: ${(await page.locator("main").innerText()).slice(0, 100)}`);
    }
    await page.click("text=what changed");
    assert.match(await page.locator("h1").innerText(), /What changed/);
  });

  await step("the print button appears with script and the print style hides the site's chrome", async () => {
    await page.goto(reportUrl);
    assert.ok(await page.locator("#print").isVisible());
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator("header.site").isVisible(), false);
    await page.emulateMedia({ media: "screen" });
  });

  let textUrl = "";
  await step("checking a text marks its checked sentences and links each to its report", async () => {
    await page.goto(base + "/");
    await page.click("header.site a[href='/texts/new']");
    await page.fill("#text", "MAYOR DIAZ: Good evening, and thank you all for coming tonight.\n" +
      "The council banned cars from the old town of Brelin in 2026, and 40 percent of the shops closed.\n" +
      "I hope you enjoy the evening.");
    await Promise.all([page.waitForURL(/\/texts\/text-[0-9a-f-]+$/, { timeout: 60000 }), page.click("form.text-form button")]);
    textUrl = page.url();
    assert.match(await page.locator("h1").first().innerText(), /Text check/);
    const marked = page.locator("mark.checked");
    assert.equal(await marked.count(), 1, "one sentence is a claim to check");
    assert.match(await marked.innerText(), /banned cars/);
    const link = await marked.locator("a.text-verdict").getAttribute("href");
    assert.match(link, /^\/checks\/[a-z]+\/[a-z0-9-]+$/);
    assert.equal(await page.locator("section.claims tbody tr").count(), 1);
    assert.match(await page.locator("strong.speaker").first().innerText(), /MAYOR DIAZ/);
    assert.ok(requested.some((u) => u.includes("/jobs/job-")), "the progress page was on the way");
  });

  await step("every page holds at a phone's width (400 px): nothing overflows, nav links keep one line each", async () => {
    const phone = await browser.newContext({ viewport: { width: 400, height: 800 } });
    const small = await phone.newPage();
    const shots = "target/browser-shots";
    mkdirSync(shots, { recursive: true });
    const report = new URL(reportUrl).pathname;
    for (const p of ["/", "/texts/new", new URL(textUrl).pathname, report, "/about", "/archive", "/categories",
      "/search?q=cars", "/corrections", "/mine", report + "/versions/1", report + "/diff"]) {
      await small.goto(base + p);
      await small.screenshot({ path: `${shots}/${p.replace(/[^a-z0-9]+/gi, "_") || "home"}.png`, fullPage: true });
      const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${p} is ${overflow} px wider than the screen`);
      const links = await small.locator("header.site nav a").evaluateAll((as) => as.map((a) => {
        const box = a.getBoundingClientRect();
        return { text: a.textContent, right: box.right, lines: a.getClientRects().length, height: box.height };
      }));
      for (const link of links) {
        assert.ok(link.right <= 400, `${p}: "${link.text}" is cut off at ${link.right} px`);
        assert.equal(link.lines, 1, `${p}: "${link.text}" breaks across lines`);
      }
    }
    // A follow-up question that wraps: its bullet sits beside its first line, not its last.
    await small.goto(base + report);
    const misplaced = await small.locator("ul.follow-ups li").evaluateAll((items) => items.map((li) => {
      // The bullet sits on the baseline of the item's first line box, which a probe at the button's side shares.
      const button = li.querySelector("button");
      const probe = document.createElement("span");
      probe.textContent = "\u200b";
      button.parentNode.insertBefore(probe, button);
      const gap = Math.abs(probe.getBoundingClientRect().top - button.getBoundingClientRect().top);
      const wraps = button.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(button).lineHeight);
      probe.remove();
      return wraps && gap > 6 ? button.textContent : null;
    }).filter(Boolean));
    assert.deepEqual(misplaced, []);
    await phone.close();
  });

  await step("no Content-Security-Policy violation happened", async () => {
    assert.deepEqual(cspViolations, []);
  });

  // Every page the visit passed through, and the rest of the site, through the Nu Html Checker.
  await step("every page passes the Nu Html Checker", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verity-vnu-"));
    const pages = new Set([...visited].map((u) => new URL(u)).filter((u) => u.origin === new URL(base).origin && !u.pathname.startsWith("/jobs/") && u.pathname !== "/checks").map((u) => u.pathname + u.search));
    const report = new URL(reportUrl).pathname;
    for (const p of ["/", "/texts/new", new URL(textUrl).pathname, "/about", "/archive", "/categories", "/categories/politics", "/topics/brelin", "/corrections",
      "/search?q=cars", "/mine", "/no-such-page", report + "/versions/1", report + "/diff"]) pages.add(p);
    const files = [];
    let i = 0;
    const fetched = [...pages].map((p) => [p, fetch(base + p)]);
    // The page offering an earlier report is the answer to a form post.
    fetched.push(["POST /checks (asked before)", fetch(base + "/checks", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "question=" + encodeURIComponent(question) })]);
    for (const [p, pending] of fetched) {
      const response = await pending;
      const file = join(dir, `page-${i++}.html`);
      writeFileSync(file, await response.text());
      files.push([p, file]);
    }
    const jar = new URL("./node_modules/vnu-jar/build/dist/vnu.jar", import.meta.url).pathname;
    try {
      execFileSync("java", ["-jar", jar, "--errors-only", "--format", "gnu", ...files.map(([, f]) => f)], { stdio: "pipe" });
    } catch (error) {
      const names = Object.fromEntries(files.map(([p, f]) => [f, p]));
      let report = String(error.stderr || error.stdout || error);
      for (const [f, p] of Object.entries(names)) report = report.split(f).join(p);
      throw new Error("the checker found errors:\n" + report);
    }
    console.log(`  validated ${files.length} pages: ${files.map(([p]) => p).join(" ")}`);
  });
} finally {
  await browser.close();
}
if (failures > 0) {
  console.log(`${failures} failed`);
  process.exit(1);
}
console.log("all passed");
