// sqwebmail - keyboard shortcuts for the message list and the reading
// view, a confirmation before emptying the trash, the print dialog in the
// print view.  The pages work without it.  Loaded from our own origin
// only (CSP script-src 'self').
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
