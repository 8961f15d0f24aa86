// The workbench's only script besides htmx: the token, error messages, downloads, focus.
// The token is kept in this tab's sessionStorage and sent as a bearer header with every
// request htmx makes; it never goes into a URL, a cookie or the page.
(function () {
  "use strict";
  var KEY = "adjudicator-token";

  function token() {
    try { return sessionStorage.getItem(KEY) || ""; } catch (e) { return ""; }
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var value = token();
    if (value) {
      event.detail.headers["Authorization"] = "Bearer " + value;
    } else if (document.body.getAttribute("data-tokens-required") === "true") {
      // No token yet: ask for one here rather than sending a request the service refuses.
      event.preventDefault();
      var target = event.detail.target;
      if (target && target.id === "whoami") {
        target.innerHTML = '<span class="badge warn">未输入令牌</span>';
      } else if (target) {
        target.innerHTML = '<div class="problem" data-status="401"><h2>需要访问令牌</h2>' +
          '<p>请在右上角输入访问令牌（token）后回车。</p></div>';
      }
    }
  });

  // The service answers refusals as problem documents (JSON); show them in place, in Chinese.
  function problemHtml(xhr) {
    var box = document.createElement("div");
    box.className = "problem";
    box.setAttribute("data-status", String(xhr.status));
    var title = document.createElement("h2");
    var detail = document.createElement("p");
    var problem = {};
    try { problem = JSON.parse(xhr.responseText); } catch (e) { problem = {}; }
    if (xhr.status === 401) {
      title.textContent = "需要访问令牌";
      detail.textContent = token() ? "令牌无效，请在右上角重新输入。" : "请在右上角输入访问令牌（token）后回车。";
    } else if (xhr.status === 403) {
      title.textContent = "没有权限";
      detail.textContent = "此令牌没有所需的角色" + (problem.required_role ? "：" + problem.required_role : "") + "。";
    } else if (xhr.status === 413) {
      title.textContent = "内容过大";
      detail.textContent = problem.detail || "请求内容超过服务的大小限制。";
    } else {
      title.textContent = "出错了（" + xhr.status + "）";
      detail.textContent = problem.detail || problem.title || "服务没有返回说明。";
    }
    box.appendChild(title);
    box.appendChild(detail);
    (problem.errors || []).slice(0, 50).forEach(function (line) {
      var item = document.createElement("pre");
      item.textContent = line;
      box.appendChild(item);
    });
    return box.outerHTML;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && !(xhr.getResponseHeader("Content-Type") || "").startsWith("text/html")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      event.detail.serverResponse = problemHtml(xhr);
    } else if (xhr.status >= 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var target = event.detail.target;
    if (target) { target.innerHTML = '<div class="problem"><h2>无法连接服务</h2></div>'; }
  });

  // After content arrives: post a diff report's ticket into its frame; bring a focused source
  // line into view.
  document.addEventListener("htmx:afterSettle", function (event) {
    // Another kind of event: the decision and the case shown were for the old one.
    if (event.detail.target && event.detail.target.id === "event-fields") {
      ["sim-result", "sim-case"].forEach(function (id) {
        var stale = document.getElementById(id);
        if (stale) { stale.innerHTML = ""; }
      });
    }
    var post = event.detail.elt.querySelector ? event.detail.elt.querySelector("form[data-autosubmit]") : null;
    if (post) { post.removeAttribute("data-autosubmit"); post.submit(); }
    var table = event.detail.elt.querySelector ? event.detail.elt.querySelector("[data-focus-line]") : null;
    var line = table && table.getAttribute("data-focus-line");
    if (line) {
      var row = document.getElementById("L" + line);
      if (row) { row.scrollIntoView({block: "center"}); }
    }
  });

  // Save a fragment's text as a file: <button data-download="case.yaml" data-source="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-download]") : null;
    if (!button) { return; }
    var source = document.querySelector(button.getAttribute("data-source"));
    if (!source) { return; }
    var blob = new Blob([source.textContent], {type: button.getAttribute("data-type") || "text/plain;charset=utf-8"});
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.getAttribute("data-download");
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  });

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("token-form");
    if (!form) { return; }
    var input = document.getElementById("token-input");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = input.value.trim();
      if (value) { sessionStorage.setItem(KEY, value); }
      input.value = "";
      htmx.trigger(document.body, "token-changed");
    });
    document.getElementById("token-clear").addEventListener("click", function () {
      sessionStorage.removeItem(KEY);
      htmx.trigger(document.body, "token-changed");
    });
  });
})();
