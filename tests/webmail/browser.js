// browser.js - the webmail as a person uses it, in Debian's headless
// Chromium driven by playwright-core: log in, read, print, reply with an
// attachment, send, move, delete, search, sort, keyboard shortcuts, flags
// on several messages at once, a draft saved, resumed from Drafts,
// saved by itself while written and sent, one kept on leaving, the folders, contacts and settings pages, log out, on a desktop
// and a phone-sized viewport, with a screenshot of every page; then every
// hostile message of the corpus opened with a check that no script ran
// and no request left the page's origin.  Usage: node browser.js BASE_URL
// USER PASS OUTDIR flow|hostile [hostile uids...].  Prints one JSON line
// of results; exit 1 on failure.
"use strict";
const path = require("path");
const fs = require("fs");
const { chromium } = require(path.join(__dirname,
    "node_modules", "playwright-core"));

const [base, user, pass, out, mode, ...uids] = process.argv.slice(2);
const origin = new URL(base).origin;
const results = { ok: [], fail: [] };

function check(name, cond, detail) {
	(cond ? results.ok : results.fail).push(cond ? name :
	    name + ": " + (detail || "failed"));
}

async function login(page, shot) {
	await page.goto(base + "/webmail/");
	await page.fill("#user", user);
	await page.fill("#pass", pass);
	if (shot) await page.screenshot({ path: path.join(out, shot) });
	await Promise.all([page.waitForNavigation(), page.click("#login")]);
}

async function shot(page, name, full) {
	await page.screenshot({ path: path.join(out, name + ".png"),
	    fullPage: !!full });
}

// Go to a page by clicking what a person would click.
let step = "", curpage = null;
async function go(page, sel) {
	step = sel;
	await Promise.all([page.waitForNavigation(), page.click(sel)]);
}

// A message of the list by its subject.
function row(page, subject) {
	return page.locator("ul.msgs li.msg").filter({ has: page.locator(
	    ".subj", { hasText: new RegExp("^" + subject + "$") }) });
}

async function flow(browser, label, viewport, moved, deleted, flagged,
    flagged2) {
	const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
	// The print dialog, noted instead of opened.
	await ctx.addInitScript(() => {
		window.print = () => { window.__printed = 1; };
	});
	const page = await ctx.newPage();
	const offsite = [];
	curpage = page;
	page.on("request", (r) => {
		if (!r.url().startsWith(origin) && !r.url().startsWith("data:"))
			offsite.push(r.url());
	});
	page.on("dialog", async (d) => { await d.accept(); });
	await login(page, label + "-login.png");
	check(label + " logged in", (await page.content()).includes(user));
	await shot(page, label + "-list");
	// Read the message from Ann (the name shown, the address in the title).
	const ann = page.locator("ul.msgs li.msg .from", { hasText: "Ann Example" });
	check(label + " sender by name", await ann.count() === 1 &&
	    await ann.getAttribute("title") === "ann@example.test");
	await go(page, "ul.msgs li.msg:has-text('Welcome') a");
	await page.waitForSelector("#subject");
	await shot(page, label + "-read", true);
	// The actions fit one row above the message on any screen.
	const bar = await page.locator(".msgbar").boundingBox();
	const subj = await page.locator("#subject").boundingBox();
	check(label + " action bar one row", bar.height < 60, String(bar.height));
	check(label + " message near the top", subj.y < 220, String(subj.y));
	await page.click("#more");
	await shot(page, label + "-read-menu");
	if (label === "desktop") {
		// Print: the message alone, and the print dialog.
		await go(page, "#print");
		await page.waitForFunction(() => window.__printed === 1);
		check(label + " print view", await page.locator("header.bar")
		    .count() === 0 && await page.locator("#subject").count() === 1);
		await shot(page, label + "-print", true);
		await page.goBack();
		await page.waitForSelector("#subject");
	} else
		await page.click("#more");
	// Reply with an attachment.
	await go(page, "#reply");
	const to = await page.inputValue("#to");
	check(label + " reply addressed", to.length > 0, to);
	await page.fill("#text", "Answer from " + label);
	await page.setInputFiles("#att", { name: "notes-" + label + ".txt",
	    mimeType: "text/plain", buffer: Buffer.from("attached " + label) });
	await shot(page, label + "-compose", true);
	await go(page, "#send");
	check(label + " sent", page.url().includes("/list"), page.url());
	// Move one message to Archive from the list.
	await row(page, moved).locator("input[type=checkbox]").check();
	await page.selectOption("#moveto", { label: "Archive" });
	await go(page, "#amove");
	check(label + " moved away", await row(page, moved).count() === 0);
	// Delete one from its reading view.
	await Promise.all([page.waitForNavigation(),
	    row(page, deleted).locator("a").click()]);
	await go(page, "#delete");
	check(label + " deleted away", await row(page, deleted).count() === 0);
	await go(page, "aside.folders a:has-text('Archive')");
	check(label + " in Archive", await row(page, moved).count() === 1);
	await go(page, "aside.folders a:has-text('Trash')");
	check(label + " in Trash", await row(page, deleted).count() === 1);
	await shot(page, label + "-trash");
	await go(page, "aside.folders a:has-text('Inbox')");
	// Search.
	await page.fill("#q", "Welcome");
	await Promise.all([page.waitForNavigation(), page.press("#q", "Enter")]);
	const found = await page.locator("ul.msgs li.msg").count();
	check(label + " search finds", found >= 1, String(found));
	await shot(page, label + "-search");
	// Conversations: the reply (in Sent) is not in INBOX; the order
	// changes through the select (app.js submits it).
	await Promise.all([page.waitForNavigation(),
	    page.selectOption("#sort", "from.a")]);
	check(label + " sorted", page.url().includes("s=from.a"), page.url());
	await shot(page, label + "-sorted");
	if (label === "desktop") {
		// The keyboard: "/" to the search, j and x select the first
		// row (Ann's, by sender), then flagged from the bar.
		await page.keyboard.press("/");
		check(label + " key / searches", await page.evaluate(() =>
		    document.activeElement.id) === "q");
		await page.locator("#q").blur();
		await page.keyboard.press("j");
		await page.keyboard.press("x");
		const first = page.locator("ul.msgs li.msg").first();
		check(label + " keys select", await first.locator(
		    "input[type=checkbox]").isChecked() && await first.locator(
		    ".from").textContent() === "Ann Example");
		await go(page, "#aflag");
		check(label + " flagged", (await row(page,
		    "Welcome to your webmail").getAttribute("class"))
		    .includes("flagged"));
	} else {
		// Several at once: read and flagged (the whole Inbox again,
		// without the search).
		await go(page, "aside.folders a:has-text('Inbox')");
		await row(page, flagged).locator("input[type=checkbox]").check();
		await row(page, flagged2).locator("input[type=checkbox]").check();
		await go(page, "#aseen");
		await row(page, flagged).locator("input[type=checkbox]").check();
		await row(page, flagged2).locator("input[type=checkbox]").check();
		await go(page, "#aflag");
		for (const s of [flagged, flagged2]) {
			const cls = await row(page, s).getAttribute("class");
			check(label + " read and flagged " + s, cls.includes(
			    "flagged") && !cls.includes("unread"), cls);
		}
	}
	if (label === "desktop") {
		// A draft with an attachment, saved, opened again from Drafts,
		// finished and sent ("c" opens compose).
		await Promise.all([page.waitForNavigation(),
		    page.keyboard.press("c")]);
		await page.fill("#to", "other@example.test");
		await page.fill("#subject", "Draft from desktop");
		await page.fill("#text", "First words");
		await page.setInputFiles("#att", { name: "plan.txt",
		    mimeType: "text/plain", buffer: Buffer.from("the plan") });
		await go(page, "#draft");
		check(label + " draft saved", page.url().includes("Drafts") &&
		    await row(page, "Draft from desktop").count() === 1,
		    page.url());
		await shot(page, label + "-drafts");
		await Promise.all([page.waitForNavigation(),
		    row(page, "Draft from desktop").locator("a").click()]);
		const kept = page.locator("fieldset.kept label",
		    { hasText: "plan.txt" });
		check(label + " draft resumed", await page.inputValue("#to") ===
		    "other@example.test" && await page.inputValue("#subject") ===
		    "Draft from desktop" && (await page.inputValue("#text"))
		    .includes("First words") && await kept.count() === 1 &&
		    await kept.locator("input").isChecked());
		await shot(page, label + "-draft-resumed", true);
		// Written on and left alone: kept by itself, in place of the
		// draft it was (one draft, the new words, the attachment).
		await page.fill("#text", "Words kept while writing");
		for (let i = 0; i < 60 && await page.textContent("#autosaved")
		    === ""; i++)
			await page.waitForTimeout(500);
		check(label + " draft autosave said", await page.textContent(
		    "#autosaved") !== "");
		const other = await ctx.newPage();
		await other.goto(base + "/webmail/");
		await Promise.all([other.waitForNavigation(), other.click(
		    "aside.folders a:has-text('Drafts')")]);
		const autos = row(other, "Draft from desktop");
		check(label + " draft autosaved once", await autos.count() === 1 &&
		    await other.locator("ul.msgs li.msg").count() === 1,
		    String(await other.locator("ul.msgs li.msg").count()));
		await Promise.all([other.waitForNavigation(),
		    autos.locator("a").click()]);
		check(label + " draft autosaved whole", (await other.inputValue(
		    "#text")).includes("Words kept while writing") &&
		    await other.locator("fieldset.kept label",
		    { hasText: "plan.txt" }).count() === 1);
		await other.close();
		await page.fill("#text", "Final words");
		await go(page, "#send");
		check(label + " draft sent", page.url().includes("/list"),
		    page.url());
		await go(page, "aside.folders a:has-text('Drafts')");
		check(label + " draft gone", await page.locator("ul.msgs li.msg")
		    .count() === 0);
		// A message left before any save: kept as the page goes.
		await Promise.all([page.waitForNavigation(),
		    page.keyboard.press("c")]);
		await page.fill("#subject", "Left behind");
		await page.fill("#text", "Not sent, not lost");
		await go(page, "#nav-folders");
		await page.goto(base + "/webmail/");
		await go(page, "aside.folders a:has-text('Drafts')");
		let left = 0;
		for (let i = 0; i < 40 && !left; i++) {
			left = await row(page, "Left behind").count();
			if (!left) {
				await page.waitForTimeout(500);
				await page.reload();
			}
		}
		check(label + " draft kept on leaving", left === 1);
		await go(page, "aside.folders a:has-text('Inbox')");
	}
	// The other pages.
	for (const [id, name] of [["#nav-folders", "folders"],
	    ["#nav-abook", "contacts"], ["#nav-settings", "settings"]]) {
		await go(page, id);
		await shot(page, label + "-" + name, true);
	}
	// Log out.
	await go(page, "#logout");
	check(label + " logged out", await page.locator("#pass").count() === 1);
	await page.goto(base + "/webmail/list?f=INBOX");
	check(label + " session ended", await page.locator("#pass").count() ===
	    1);
	check(label + " nothing offsite", offsite.length === 0,
	    offsite.join(" "));
	await ctx.close();
}

async function hostile(browser) {
	const ctx = await browser.newContext({ viewport: { width: 1024,
	    height: 800 } });
	const page = await ctx.newPage();
	const offsite = [];
	let dialogs = 0;
	page.on("request", (r) => {
		if (!r.url().startsWith(origin) && !r.url().startsWith("data:"))
			offsite.push(r.url());
	});
	page.on("dialog", async (d) => { dialogs++; await d.dismiss(); });
	// Anything a script could do leaves a mark: a title, a global, a
	// dialog, or a request (caught above).
	await login(page, null);
	for (const uid of uids) {
		await page.goto(base + "/webmail/msg?f=INBOX&u=" + uid);
		await page.waitForLoadState("load");
		const frame = page.frames().find((f) => f.url().includes("/body?"));
		let ran = false;
		for (const f of page.frames()) {
			try {
				ran = ran || await f.evaluate(() =>
				    window.__pwned === 1 ||
				    document.title === "pwned");
			} catch (e) { /* a sandboxed frame without scripts */ }
		}
		check("hostile " + uid + " no script", !ran && dialogs === 0);
		// HTML in the sandboxed frame, text escaped in the page.
		check("hostile " + uid + " shown", frame !== undefined ||
		    await page.locator("article .text, article .none").count() >
		    0);
	}
	await page.screenshot({ path: path.join(out, "hostile-last.png"),
	    fullPage: true });
	check("hostile nothing offsite", offsite.length === 0,
	    offsite.slice(0, 5).join(" "));
	await ctx.close();
}

(async () => {
	fs.mkdirSync(out, { recursive: true });
	const browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-quic", "--no-first-run",
		    "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"],
		// playwright gives every launch a fresh --user-data-dir.
	});
	try {
		if (mode === "flow") {
			await flow(browser, "desktop", { width: 1280, height: 800 },
			    "Newsletter number 1", "Newsletter number 2",
			    null, null);
			await flow(browser, "phone", { width: 360, height: 740 },
			    "Newsletter number 3", "Newsletter number 4",
			    "Newsletter number 5", "Newsletter number 6");
		} else
			await hostile(browser);
	} catch (e) {
		results.fail.push("exception (at " + step + "): " +
		    e.message.split("\n")[0]);
		if (curpage) {
			try {
				fs.writeFileSync(path.join(out, "failed.html"),
				    await curpage.content());
				await curpage.screenshot({ path: path.join(out,
				    "failed.png"), fullPage: true });
			} catch (e2) { /* the page is gone */ }
		}
	}
	await browser.close();
	console.log(JSON.stringify(results));
	process.exit(results.fail.length ? 1 : 0);
})();
