// sqwebmail - keyboard shortcuts for the message list and the reading
// view, a confirmation before emptying the trash, the print dialog in the
// print view, and drafts saved while a message is written.  The pages
// work without it.  Loaded from our own origin only (CSP script-src
// 'self').
(function () {
	"use strict";
	var rows = [], cur = -1;
	function focus(i) {
		if (!rows.length) return;
		if (i < 0) i = 0;
		if (i >= rows.length) i = rows.length - 1;
		if (cur >= 0) rows[cur].classList.remove("focus");
		cur = i;
		rows[cur].classList.add("focus");
		rows[cur].scrollIntoView({ block: "nearest" });
	}
	function click(id) {
		var e = document.getElementById(id);
		if (e) e.click();
	}
	// A message being written is kept in Drafts a few seconds after
	// each change and when the page is left, replacing the draft saved
	// before; the form then names the new draft (d) and its kept
	// attachments by their ids there.  Files chosen but not attached
	// wait for "Attach".  A send waits for a save under way.
	function autosave(form) {
		if (!form || !window.fetch || !window.FormData) return;
		var timer = null, busy = null, dirty = false, leaving = false;
		var shown = document.getElementById("autosaved");
		function data() {
			var fd = new FormData(form);
			fd.delete("att");
			fd.set("do", "autosave");
			return fd;
		}
		function named(uid, keep) {
			var d = form.querySelector("input[name=d]");
			if (!d) {
				d = document.createElement("input");
				d.type = "hidden";
				d.name = "d";
				form.appendChild(d);
			}
			d.value = uid;
			var boxes = Array.prototype.slice.call(
			    form.querySelectorAll("input[name=keep]"));
			var kept = boxes.filter(function (b) { return b.checked; });
			if (kept.length !== keep.length) {
				// not found again as they were: the draft, afresh
				leaving = true;
				window.location.replace(form.action.replace(/send$/,
				    "compose?d=" + uid));
				return;
			}
			boxes.forEach(function (b) {
				if (!b.checked) b.parentNode.remove();
			});
			kept.forEach(function (b, i) { b.value = keep[i]; });
		}
		function save() {
			timer = null;
			if (busy) return busy.then(save);
			if (!dirty || leaving) return Promise.resolve();
			dirty = false;
			busy = window.fetch(form.action, { method: "POST",
			    body: data(), credentials: "same-origin" })
			    .then(function (r) {
				if (!r.ok) throw new Error(r.status);
				return r.json();
			    })
			    .then(function (j) {
				named(j.d, j.keep);
				if (shown) shown.textContent = shown.dataset.saved +
				    " " + new Date().toLocaleTimeString([],
				    { hour: "2-digit", minute: "2-digit" });
			    })
			    .catch(function () { dirty = true; })
			    .then(function () { busy = null; });
			return busy;
		}
		function changed(ev) {
			if (ev.target.name === "att") return;
			dirty = true;
			if (timer) clearTimeout(timer);
			timer = setTimeout(save, 3000);
		}
		form.addEventListener("input", changed);
		form.addEventListener("change", changed);
		form.addEventListener("submit", function (ev) {
			if (leaving) return;
			if (timer) clearTimeout(timer);
			timer = null;
			if (busy) {
				var by = ev.submitter;
				ev.preventDefault();
				busy.then(function () {
					leaving = true;
					form.requestSubmit(by);
				});
				return;
			}
			leaving = true;
		});
		window.addEventListener("pagehide", function () {
			if (dirty && !leaving && navigator.sendBeacon)
				navigator.sendBeacon(form.action, data());
		});
	}
	document.documentElement.classList.add("js");
	document.addEventListener("DOMContentLoaded", function () {
		var sort = document.getElementById("sort");
		if (sort) sort.addEventListener("change", function () {
			sort.form.submit();
		});
		rows = Array.prototype.slice.call(document.querySelectorAll("li.msg"));
		// Uploads larger than the mailbox can hold: said before they go.
		var att = document.getElementById("att");
		if (att && att.dataset.max) att.form.addEventListener("submit",
		    function (ev) {
			var total = 0, i, hint;
			for (i = 0; i < att.files.length; i++)
				total += att.files[i].size;
			if (total > Number(att.dataset.max)) {
				ev.preventDefault();
				hint = document.getElementById("quotahint");
				window.alert(hint ? hint.textContent : "");
			}
		});
		// The print view opens the browser's print dialog once the
		// message (and its frame) is there.
		if (document.querySelector("main.print"))
			window.addEventListener("load", function () {
				window.print();
			});
		autosave(document.querySelector("form.compose"));
		var empty = document.querySelector("button[value=empty]");
		if (empty) empty.addEventListener("click", function (ev) {
			if (!window.confirm(empty.textContent + "?")) ev.preventDefault();
		});
	});
	document.addEventListener("keydown", function (ev) {
		var t = ev.target.tagName;
		if (t === "INPUT" || t === "TEXTAREA" || t === "SELECT" ||
		    ev.ctrlKey || ev.metaKey || ev.altKey) return;
		switch (ev.key) {
		case "j": focus(cur + 1); break;
		case "k": focus(cur - 1); break;
		case "o": case "Enter":
			if (cur >= 0) rows[cur].querySelector("a").click();
			break;
		case "x":
			if (cur >= 0) {
				var c = rows[cur].querySelector("input");
				c.checked = !c.checked;
			}
			break;
		case "c": window.location = document.querySelector(
		    "header.bar a.primary").href; break;
		case "r": click("reply"); break;
		case "a": click("replyall"); break;
		case "f": click("forward"); break;
		case "u": click("back"); break;
		case "#": click("delete"); break;
		case "/": ev.preventDefault();
			var q = document.getElementById("q");
			if (q) q.focus();
			break;
		default: return;
		}
	});
})();
