/* 明查暗访 recording page: works on a poor connection.
 *
 * What is being typed (item, description, person, chosen photos) is kept as a draft in the
 * phone's IndexedDB and restored after a reload. "保存此问题" puts the finding in an outbox (also
 * IndexedDB, photos included) and sends it; what cannot be sent stays there and is sent when the
 * connection returns (the "online" event, every 20 s, on the next load, or "立即发送"). Each
 * finding carries its own key (client_key), so one sent twice is stored once. A refusal (400)
 * stays in the outbox with the server's message until the user loads it back into the form.
 * The service worker (sw.js) keeps a copy of this page and its files to reopen it offline.
 * No library, no CDN.
 */
(function () {
  "use strict";
  var form = document.getElementById("finding-form");
  if (!form || !window.indexedDB) return;
  var visit = form.dataset.visit;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var endpoint = window.location.pathname;
  var statusBox = document.getElementById("net-status");
  var outboxBox = document.getElementById("outbox");
  var photoInput = form.querySelector("input[name=photos]");
  var draftFiles = [];

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("xn-inspections", 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore("outbox", { keyPath: "key" });
        request.result.createObjectStore("drafts", { keyPath: "visit" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function run(storeName, mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(storeName, mode);
        var request = fn(t.objectStore(storeName));
        t.oncomplete = function () { resolve(request ? request.result : undefined); db.close(); };
        t.onerror = function () { reject(t.error); db.close(); };
      });
    });
  }
  function queued() {
    return run("outbox", "readonly", function (s) { return s.getAll(); }).then(function (list) {
      return (list || []).filter(function (e) { return e.visit === visit; })
        .sort(function (a, b) { return a.queuedAt - b.queuedAt; });
    });
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }
  function field(name) { return form.elements.namedItem(name); }

  function collect() {
    var files = photoInput.files && photoInput.files.length ? Array.prototype.slice.call(photoInput.files) : draftFiles;
    return { item: field("item").value, note: field("note").value, person: field("person").value, files: files };
  }
  function saveDraft() {
    var d = collect();
    d.visit = visit;
    return run("drafts", "readwrite", function (s) { return s.put(d); });
  }
  function clearDraft() {
    draftFiles = [];
    return run("drafts", "readwrite", function (s) { return s.delete(visit); });
  }
  function fill(d) {
    field("item").value = d.item || "";
    field("note").value = d.note || "";
    field("person").value = d.person || "";
    draftFiles = d.files || [];
    showDraftFiles();
  }
  function showDraftFiles() {
    var help = document.getElementById("draft-photos");
    if (!help) {
      help = document.createElement("div");
      help.id = "draft-photos";
      help.className = "help";
      help.setAttribute("data-testid", "draft-photos");
      photoInput.parentNode.appendChild(help);
    }
    var none = !photoInput.files || !photoInput.files.length;
    help.textContent = none && draftFiles.length ? "草稿中已有照片" + draftFiles.length + "张（重新选择则替换）" : "";
  }

  function setStatus(text, ok) {
    statusBox.hidden = !text;
    statusBox.textContent = text || "";
    statusBox.className = ok ? "net ok" : "net";
  }
  function render() {
    return queued().then(function (list) {
      outboxBox.hidden = !list.length;
      outboxBox.textContent = "";
      if (!list.length) return list;
      var head = document.createElement("p");
      head.textContent = "待发送" + list.length + "个问题：已保存在本机，联网后自动发送。";
      outboxBox.appendChild(head);
      var ul = document.createElement("ul");
      list.forEach(function (e) {
        var li = document.createElement("li");
        var label = field("item").querySelector('option[value="' + e.item + '"]');
        li.textContent = (label && e.item ? label.textContent : e.note.slice(0, 30)) +
          (e.files.length ? "（照片" + e.files.length + "张）" : "");
        if (e.error) {
          var err = document.createElement("div");
          err.className = "error";
          err.textContent = "未被接受：" + e.error + " ";
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "btn small secondary";
          fix.textContent = "载入表单修改";
          fix.addEventListener("click", function () {
            fill(e);
            run("outbox", "readwrite", function (s) { return s.delete(e.key); }).then(saveDraft).then(render);
          });
          err.appendChild(fix);
          li.appendChild(err);
        }
        ul.appendChild(li);
      });
      outboxBox.appendChild(ul);
      var send = document.createElement("button");
      send.type = "button";
      send.className = "btn small";
      send.setAttribute("data-testid", "send-now");
      send.textContent = "立即发送";
      send.addEventListener("click", flush);
      outboxBox.appendChild(send);
      return list;
    });
  }

  var flushing = false;
  function sendOne(e) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("item", e.item || "");
    data.append("note", e.note || "");
    data.append("person", e.person || "");
    data.append("client_key", e.key);
    e.files.forEach(function (f) { data.append("photos", f, f.name || "photo.jpg"); });
    return fetch(endpoint, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
    });
  }
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    var sent = 0;
    return queued().then(function (list) {
      var chain = Promise.resolve(true);
      list.forEach(function (e) {
        chain = chain.then(function (go) {
          if (!go || e.error) return go;
          return sendOne(e).then(function (response) {
            var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
            if (response.status === 201 && json) {
              sent += 1;
              return run("outbox", "readwrite", function (s) { return s.delete(e.key); }).then(function () { return true; });
            }
            if (json && (response.status === 400 || response.status === 403)) {
              return response.json().catch(function () { return {}; }).then(function (body) {
                var errors = body.errors || {};
                e.error = Object.keys(errors).map(function (k) { return errors[k].join("；"); }).join("；") || "请检查填写的内容";
                return run("outbox", "readwrite", function (s) { return s.put(e); }).then(function () { return true; });
              });
            }
            if (response.redirected) {
              setStatus("登录已失效：请重新登录后再发送，问题仍保存在本机。");
              return false;
            }
            setStatus("服务器暂时无法接收，稍后自动重试。");
            return false;
          }, function () {
            setStatus("当前没有网络：问题已保存在本机，联网后自动发送。");
            return false;
          });
        });
      });
      return chain;
    }).then(function () {
      flushing = false;
      return render();
    }, function () { flushing = false; }).then(function (left) {
      if (sent && left && !left.length) {
        setStatus("已发送" + sent + "个问题。", true);
        window.location.reload();
      }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var d = collect();
    if (!d.item && !d.note.trim()) {
      setStatus("请选择检查项目或填写问题描述。");
      return;
    }
    var entry = { key: newKey(), visit: visit, item: d.item, note: d.note, person: d.person,
                  files: d.files, queuedAt: Date.now(), error: "" };
    run("outbox", "readwrite", function (s) { return s.put(entry); })
      .then(clearDraft)
      .then(function () { form.reset(); showDraftFiles(); return render(); })
      .then(flush);
  });
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", function () { showDraftFiles(); saveDraft(); });
  window.addEventListener("online", function () { setStatus("网络已恢复，正在发送…", true); flush(); });
  window.addEventListener("offline", function () { setStatus("当前没有网络：保存的问题留在本机，联网后自动发送。"); });
  window.setInterval(function () { if (navigator.onLine) flush(); }, 20000);

  run("drafts", "readonly", function (s) { return s.get(visit); }).then(function (d) {
    if (d && !field("note").value && !field("item").value) fill(d);
  }).then(render).then(function () {
    if (!navigator.onLine) setStatus("当前没有网络：保存的问题留在本机，联网后自动发送。");
    else flush();
  });

  if ("serviceWorker" in navigator && form.dataset.sw) {
    navigator.serviceWorker.register(form.dataset.sw, { scope: form.dataset.scope }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var urls = [window.location.pathname];
      document.querySelectorAll("script[src], link[rel=stylesheet]").forEach(function (el) {
        urls.push(el.src || el.href);
      });
      if (registration.active) registration.active.postMessage({ cache: urls });
    }).catch(function () { /* no offline reopening; the outbox still works */ });
  }
})();
