// browser.js - the webmail as a person uses it, in Debian's headless
// Chromium driven by playwright-core: log in, read, reply with an
// attachment, send, search, move, delete, log out, on a desktop and a
// phone-sized viewport, with screenshots; then every hostile message of
// the corpus opened with a check that no script ran and no request left
// the page's origin.  Usage: node browser.js BASE_URL USER PASS OUTDIR
// [hostile uids...].  Prints one JSON line of results; exit 1 on failure.
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

async function flow(browser, label, viewport) {
	const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
	const page = await ctx.newPage();
	const offsite = [];
	page.on("request", (r) => {
		if (!r.url().startsWith(origin) && !r.url().startsWith("data:"))
			offsite.push(r.url());
	});
	await login(page, label + "-login.png");
	check(label + " logged in", (await page.content()).includes(user));
	await page.screenshot({ path: path.join(out, label + "-list.png") });
	// Read the first message.
	await Promise.all([page.waitForNavigation(),
	    page.click("ul.msgs li.msg a")]);
	await page.waitForSelector("#subject");
	await page.screenshot({ path: path.join(out, label + "-read.png"),
	    fullPage: true });
	// Reply with an attachment.
	await Promise.all([page.waitForNavigation(), page.click("#reply")]);
	const to = await page.inputValue("#to");
	check(label + " reply addressed", to.length > 0, to);
	await page.fill("#text", "Answer from " + label);
	await page.setInputFiles("#att", { name: "notes-" + label + ".txt",
	    mimeType: "text/plain", buffer: Buffer.from("attached " + label) });
	await page.screenshot({ path: path.join(out, label + "-compose.png"),
	    fullPage: true });
	await Promise.all([page.waitForNavigation(), page.click("#send")]);
	check(label + " sent", page.url().includes("/list"), page.url());
	// Search.
	await page.fill("#q", "Welcome");
	await Promise.all([page.waitForNavigation(), page.press("#q", "Enter")]);
	const found = await page.locator("ul.msgs li.msg").count();
	check(label + " search finds", found >= 1, String(found));
	await page.screenshot({ path: path.join(out, label + "-search.png") });
	// Log out.
	await Promise.all([page.waitForNavigation(), page.click("#logout")]);
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
		check("hostile " + uid + " frame", frame !== undefined);
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
			await flow(browser, "desktop", { width: 1280, height: 800 });
			await flow(browser, "phone", { width: 360, height: 740 });
		} else
			await hostile(browser);
	} catch (e) {
		results.fail.push("exception: " + e.message.split("\n")[0]);
	}
	await browser.close();
	console.log(JSON.stringify(results));
	process.exit(results.fail.length ? 1 : 0);
})();
