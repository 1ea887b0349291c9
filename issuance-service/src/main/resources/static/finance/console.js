"use strict";
// Finance's review page: every figure and action goes through the admin API with the token the
// reviewer typed (kept in this tab's sessionStorage only). Text from the API is set as text,
// never parsed as HTML.

const TOKEN_KEY = "redrain.finance.token";
const RESOLUTIONS = ["TIMING", "CHANNEL_ERROR", "WRITTEN_OFF"];

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name === "onclick" || name === "onsubmit") {
      node.addEventListener(name.substring(2), value);
    } else if (value !== null && value !== undefined) {
      node.setAttribute(name, value);
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

function show(id, ...children) {
  document.getElementById(id).replaceChildren(...children);
}

function status(text, isError) {
  const line = document.getElementById("status");
  line.textContent = text;
  line.className = isError ? "error" : "muted";
}

/** An instant with its zone: 2026-12-03 13:05:09 UTC. */
function instant(iso) {
  return iso ? new Date(iso).toISOString().replace("T", " ").substring(0, 19) + " UTC" : "";
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: {
      "Authorization": "Bearer " + sessionStorage.getItem(TOKEN_KEY),
      "Content-Type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch (notJson) {
    json = null;
  }
  if (!response.ok) {
    const why = json && json.code ? json.code + ": " + (json.detail || "") : "HTTP " + response.status;
    throw new Error(why);
  }
  return json;
}

/** Runs an action, reporting its outcome in the status line. */
async function attempt(label, action) {
  try {
    status(label + "...", false);
    await action();
    status(label + ": done", false);
  } catch (e) {
    status(label + ": " + e.message, true);
  }
}

function table(headers, rows) {
  return el("table", {},
    el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, rows));
}

// --- the night: its runs, breaks and sign-off ---------------------------------------------

async function loadNight() {
  const date = document.getElementById("night-date").value;
  const state = document.getElementById("break-state").value;
  const night = await api("GET", "/admin/finance/nights/" + date);
  renderNight(night);
  const query = "date=" + date + (state ? "&state=" + state : "");
  renderBreaks(await api("GET", "/admin/finance/breaks?" + query));
}

function renderNight(night) {
  const runs = table(["Run", "Status", "Forced", "Started", "Finished", "report.html SHA-256"],
    night.runs.map((run) => el("tr", {"data-run": run.runId},
      el("td", {}, run.runId), el("td", {}, run.status), el("td", {}, run.forced ? "yes" : "no"),
      el("td", {}, instant(run.startedAt)), el("td", {}, instant(run.finishedAt)),
      el("td", {class: "muted"}, run.reportSha256 || ""))));
  const signed = night.signOff;
  const box = document.getElementById("night");
  box.dataset.state = signed ? "SIGNED" : "UNSIGNED";
  const summary = el("p", {id: "night-summary"},
    "Business date " + night.businessDate + ": open breaks " + night.breaksOpen
    + ", not yet acknowledged " + night.breaksUnreviewed + ". ",
    signed
      ? el("strong", {id: "signed"}, "Signed by " + signed.signedBy + " at "
          + instant(signed.signedAt) + " for run " + signed.runId + " (report SHA-256 "
          + signed.reportSha256 + ")")
      : el("span", {id: "signed"}, "Not signed."));
  const sign = signed ? null : signOffForm(night);
  box.replaceChildren(summary, runs, sign || "");
}

function signOffForm(night) {
  const completed = night.runs.filter((run) => run.status === "COMPLETED");
  if (completed.length === 0) {
    return el("p", {class: "muted"}, "No completed run to sign.");
  }
  const last = completed[completed.length - 1];
  const note = el("input", {id: "sign-note", size: 50, placeholder: "what you reviewed"});
  return el("form", {id: "sign-off", onsubmit: (event) => {
    event.preventDefault();
    attempt("sign-off", async () => {
      await api("POST", "/admin/finance/nights/" + night.businessDate + "/sign-off",
        {runId: last.runId, reportSha256: last.reportSha256, note: note.value});
      await loadNight();
    });
  }}, "Sign run " + last.runId + " (SHA-256 " + last.reportSha256 + "): ", note,
  el("button", {type: "submit"}, "Sign off"));
}

function renderBreaks(breaks) {
  if (breaks.length === 0) {
    show("breaks", el("p", {class: "muted"}, "No breaks in this selection."));
    return;
  }
  show("breaks", table(["Break", "Category", "Amount", "Legs", "Settlement", "Review",
    "Assignee", "First seen", "outTradeNo"],
  breaks.map((b) => el("tr", {class: "pick", "data-break": b.breakId,
    onclick: () => attempt("break " + b.breakId, () => loadBreak(b.breakId))},
  el("td", {}, b.breakId), el("td", {}, b.category), el("td", {class: "amount"}, b.amount),
  el("td", {}, b.legs), el("td", {}, b.settlementStatus), el("td", {}, b.workflow.state),
  el("td", {}, b.workflow.assignee || ""), el("td", {}, b.firstSeenDate),
  el("td", {}, b.outTradeNo)))));
}

// --- one break: its timeline, actions and journals ----------------------------------------

async function loadBreak(breakId) {
  const detail = await api("GET", "/admin/finance/breaks/" + breakId);
  renderBreak(detail.breakView, detail.journals);
}

function renderBreak(b, journals) {
  const facts = el("p", {id: "break-facts"}, "Break " + b.breakId + ": " + b.category + ", "
    + b.amount + ", legs " + b.legs + ", settlement " + b.settlementStatus + ", review "
    + b.workflow.state + (b.workflow.resolution ? " (" + b.workflow.resolution + " by "
      + b.workflow.resolvedBy + ")" : "") + (b.evidence ? ". Evidence: " + b.evidence : ""));
  const timeline = table(["At", "Who", "Action", "Note"], b.notes.map((n) => el("tr", {},
    el("td", {}, instant(n.at)), el("td", {}, n.actor), el("td", {}, n.action),
    el("td", {}, n.note))));
  const lineage = el("button", {type: "button", onclick: () => {
    document.getElementById("lineage-no").value = b.outTradeNo;
    attempt("lineage", () => loadLineage(b.outTradeNo));
  }}, "Lineage of " + b.outTradeNo);
  show("break-detail", facts, lineage, el("h3", {}, "Timeline"), timeline,
    el("h3", {}, "Decide"), actions(b), el("h3", {}, "Corrective journals"),
    journalTable(b, journals));
}

function actions(b) {
  const note = el("input", {id: "action-note", size: 40, placeholder: "note (required)"});
  const assignee = el("input", {id: "assignee", size: 12, placeholder: "assignee"});
  const reason = el("select", {id: "resolution"}, RESOLUTIONS.map((r) => el("option", {}, r)));
  const post = (label, path, body) => el("button", {type: "button", "data-action": label,
    onclick: () => attempt(label + " break " + b.breakId, async () => {
      await api("POST", "/admin/finance/breaks/" + b.breakId + path, body());
      await loadBreak(b.breakId);
    })}, label);
  return el("div", {class: "actions"}, note, " ",
    post("acknowledge", "/acknowledge", () => ({note: note.value})),
    post("note", "/notes", () => ({note: note.value})), " ", assignee,
    post("assign", "/assign", () => ({assignee: assignee.value, note: note.value})), " ",
    reason, post("resolve", "/resolve", () => ({resolution: reason.value, note: note.value})),
    " ", post("propose journal", "/journals", () => ({note: note.value})));
}

function journalTable(b, journals) {
  if (journals.length === 0) {
    return el("p", {class: "muted"}, "None.");
  }
  return table(["Journal", "Kind", "Amount", "Status", "Proposed by", "Decided by", ""],
    journals.map((j) => el("tr", {"data-journal": j.journalRequestId},
      el("td", {}, j.journalRequestId), el("td", {}, j.kind),
      el("td", {class: "amount"}, j.amount), el("td", {}, j.status),
      el("td", {}, j.proposedBy + " " + instant(j.proposedAt)),
      el("td", {}, j.decidedBy ? j.decidedBy + " " + instant(j.decidedAt) : ""),
      el("td", {}, ["approve", "reject"].map((verb) => el("button", {type: "button",
        onclick: () => attempt(verb + " journal " + j.journalRequestId, async () => {
          const note = document.getElementById("action-note").value;
          await api("POST", "/admin/finance/journals/" + j.journalRequestId + "/" + verb,
            {note});
          await loadBreak(b.breakId);
        })}, verb))))));
}

// --- token lineage -------------------------------------------------------------------------

async function loadLineage(outTradeNo) {
  const lineage = await api("GET", "/admin/lineage/" + encodeURIComponent(outTradeNo));
  const states = ["ISSUED", "CREDITED", "FUNDED", "WITHDRAWN", "PAID"].map((s) =>
    el("span", {class: lineage.reached.includes(s) ? "badge on" : "badge", "data-reached":
      lineage.reached.includes(s)}, s));
  const head = el("p", {id: "lineage-head"}, lineage.outTradeNo + " of "
    + (lineage.actId || "an unknown user") + (lineage.amount ? ", " + lineage.amount : "")
    + (lineage.unspent ? ", unspent " + lineage.unspent : "") + " ", states);
  const hops = table(["Hop", "Store", "Where", "At", "Amount", "Facts"],
    lineage.hops.map((hop) => el("tr", {"data-hop": hop.hop},
      el("td", {}, hop.hop), el("td", {}, hop.store), el("td", {}, hop.where),
      el("td", {}, instant(hop.at)), el("td", {class: "amount"}, hop.amount || ""),
      el("td", {class: "facts"}, Object.entries(hop.facts).map(([k, v]) =>
        el("span", {}, k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)))))));
  const searches = lineage.searches.map((s) => el("li", {}, s.topic + " from "
    + instant(s.from) + ": " + s.scanned + " records read, "
    + (s.complete ? "to the end" : "incomplete (" + s.reason + ")")));
  show("lineage", head, hops, el("h3", {}, "Kafka searched"), el("ul", {}, searches));
}

// --- wiring --------------------------------------------------------------------------------

function init() {
  const today = new Date().toISOString().substring(0, 10);
  document.getElementById("night-date").value = today;
  if (sessionStorage.getItem(TOKEN_KEY)) {
    document.getElementById("who").textContent = "Token set for this tab.";
  }
  document.getElementById("sign-in").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value);
    document.getElementById("token").value = "";
    document.getElementById("who").textContent = "Token set for this tab.";
  });
  document.getElementById("night-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt("night", loadNight);
  });
  document.getElementById("lineage-form").addEventListener("submit", (event) => {
    event.preventDefault();
    attempt("lineage", () => loadLineage(document.getElementById("lineage-no").value.trim()));
  });
}

document.addEventListener("DOMContentLoaded", init);
