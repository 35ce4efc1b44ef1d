// surveytool web: uploads with progress, drag and drop, background jobs polled until done.
// Plain JavaScript (no library, nothing loaded from the internet). Text is always set with
// textContent, never as HTML.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
const STATUS = { ingested: "已回收", failed: "无法读取", known: "已回收过，跳过", paired: "已配对", refused: "拒收" };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function showMessages(box, messages, kind) {
  const alert = el("div", { class: "alert " + kind, role: "alert" });
  for (const m of messages) alert.append(el("p", {}, m));
  box.replaceChildren(alert);
}

function progressBox(box, text, fraction) {
  const bar = el("span");
  bar.style.width = Math.round(100 * Math.min(1, fraction || 0)) + "%";
  box.replaceChildren(el("div", { class: "alert info" }, el("p", { class: "state" }, text), el("div", { class: "progress" }, bar)));
}

function renderIngest(box, r) {
  const summary = `有效答卷 ${r.accepted} 份，未通过 ${r.rejected} 份，重复 ${r.duplicates} 份；无法读取或拒收的文件 ${r.failed} 个，已回收过的文件 ${r.already_ingested} 个。`;
  const parts = [el("div", { class: r.failed || r.rejected ? "alert bad" : "alert good", id: "summary" }, summary)];
  if (r.rejects_url) {
    parts.push(el("p", {}, "未通过的答卷及原因：", el("a", { href: r.rejects_url, class: "button" }, "下载未通过答卷清单（.xlsx）"), "（改正后可再次上传）"));
  }
  const body = el("tbody");
  for (const f of r.files) {
    const problems = el("ul");
    for (const p of f.problems.slice(0, 8)) problems.append(el("li", {}, p));
    if (f.problems.length > 8) problems.append(el("li", {}, `……另有 ${f.problems.length - 8} 条`));
    body.append(el("tr", {}, el("td", {}, f.name), el("td", { class: "status-" + f.status }, STATUS[f.status] || f.status),
      el("td", { class: "num", "data-label": "有效 " }, f.accepted), el("td", { class: "num", "data-label": "未通过 " }, f.rejected),
      el("td", { class: "num", "data-label": "重复 " }, f.duplicates), el("td", {}, problems)));
  }
  const head = el("thead", {}, el("tr", {}, ...["文件", "结果", "有效", "未通过", "重复", "原因"].map((h) => el("th", {}, h))));
  parts.push(el("div", { class: "scroll" }, el("table", { class: "grid results small" }, head, body)));
  box.replaceChildren(...parts);
}

async function poll(box, id, reload) {
  for (;;) {
    let job;
    try {
      const res = await fetch("/api/jobs/" + encodeURIComponent(id), { headers: { Accept: "application/json" } });
      job = await res.json();
      if (!res.ok) { showMessages(box, [job.message], "bad"); return; }
    } catch (e) { await new Promise((ok) => setTimeout(ok, 2000)); continue; }
    if (job.state === "done") {
      if (job.result && job.result.files) { renderIngest(box, job.result); return; }
      if (reload) { location.replace(location.pathname); return; }
      showMessages(box, ["已完成：" + job.title], "good");
      return;
    }
    if (job.state === "failed") { showMessages(box, job.messages, "bad"); return; }
    const text = job.state === "queued" ? `${job.title}：排队中，前面的任务完成后开始……`
      : job.total ? `${job.title}：${job.done}/${job.total} ${job.current}（${job.seconds} 秒）` : `${job.title}：进行中（${job.seconds} 秒）……`;
    progressBox(box, text, job.total ? job.done / job.total : 0.05);
    await new Promise((ok) => setTimeout(ok, 800));
  }
}

function upload(form, box) {
  const files = form.querySelector('input[type="file"]').files;
  if (!files.length) { showMessages(box, ["请先选择要上传的问卷文件（可以一次选择多个）。"], "bad"); return; }
  const data = new FormData();
  for (const f of files) data.append("files", f, f.name);
  const q = new URLSearchParams({ bank: form.dataset.bank, wave: form.wave.value, source: form.source.value, async: "1" });
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/ingest?" + q.toString());
  xhr.setRequestHeader("X-CSRF-Token", csrf());
  xhr.setRequestHeader("Accept", "application/json");
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) progressBox(box, `上传中：${files.length} 个文件`, e.loaded / e.total); };
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = { message: "服务器返回了无法识别的内容（HTTP " + xhr.status + "）。" }; }
    if (xhr.status === 202) { poll(box, body.job, false); form.reset(); document.getElementById("chosen").textContent = ""; }
    else if (body.files) renderIngest(box, body);
    else showMessages(box, body.messages || [body.message], "bad");
  };
  xhr.onerror = () => showMessages(box, ["上传没有完成：与服务器的连接中断。请检查服务是否仍在运行后重试。"], "bad");
  progressBox(box, `上传中：${files.length} 个文件`, 0);
  xhr.send(data);
}

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("result");
  if (box && box.dataset.job) poll(box, box.dataset.job, box.dataset.reload === "1");
  const form = document.getElementById("upload");
  if (!form) return;
  const drop = document.getElementById("drop");
  const input = document.getElementById("files");
  const chosen = document.getElementById("chosen");
  const list = () => { chosen.textContent = input.files.length ? `已选择 ${input.files.length} 个文件：` + Array.from(input.files).map((f) => f.name).slice(0, 10).join("、") + (input.files.length > 10 ? " ……" : "") : ""; };
  input.addEventListener("change", list);
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (e) => { e.preventDefault(); input.files = e.dataTransfer.files; list(); });
  form.addEventListener("submit", (e) => { e.preventDefault(); upload(form, box); });
});
