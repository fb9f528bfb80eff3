/*
 * Guanxi assistant chat widget: no dependencies, nothing fetched from elsewhere.
 *
 * Embed it on any page served with the Guanxi API:
 *   <link rel="stylesheet" href="/static/css/assistant-widget.css">
 *   <div data-guanxi-chat data-language="en"></div>
 *   <script src="/static/js/assistant-widget.js" defer></script>
 * data-language is en, zh-Hant or zh-Hans; data-api (default /api/v1/assistant) points elsewhere.
 * The conversation token lives in sessionStorage, so a reload continues the same conversation.
 */
(function () {
  "use strict";

  var LABELS = {
    "en": {
      title: "Ask us", message: "Your message", send: "Send", signIn: "Sign in", customer: "Customer number",
      passcode: "Passcode", you: "You", assistant: "Assistant", agent: "Colleague", failed: "Something went wrong: ",
      newChat: "New conversation", signedIn: "Signed in"
    },
    "zh-Hant": {
      title: "智能客服", message: "您的訊息", send: "發送", signIn: "登入", customer: "客戶號碼", passcode: "密碼",
      you: "您", assistant: "智能客服", agent: "客服同事", failed: "出現問題：", newChat: "新對話", signedIn: "已登入"
    },
    "zh-Hans": {
      title: "智能客服", message: "您的消息", send: "发送", signIn: "登录", customer: "客户号码", passcode: "密码",
      you: "您", assistant: "智能客服", agent: "人工客服", failed: "出现问题：", newChat: "新对话", signedIn: "已登录"
    }
  };
  var POLL_MS = 4000;

  function element(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function field(form, id, label, type, autocomplete) {
    var wrap = element("p", { "class": "gx-field" });
    wrap.appendChild(element("label", { "for": id }, label));
    var input = element("input", { id: id, name: id, type: type, required: "required", autocomplete: autocomplete });
    wrap.appendChild(input);
    form.appendChild(wrap);
    return input;
  }

  function Chat(root) {
    this.root = root;
    this.api = root.getAttribute("data-api") || "/api/v1/assistant";
    this.language = LABELS[root.getAttribute("data-language")] ? root.getAttribute("data-language") : "en";
    this.labels = LABELS[this.language];
    this.key = "guanxi-chat:" + this.api;
    this.token = window.sessionStorage.getItem(this.key);
    this.lastId = 0;
    this.poller = null;
    this.build();
  }

  Chat.prototype.build = function () {
    var L = this.labels, self = this, n = Math.floor(Math.random() * 1e9);
    this.root.classList.add("gx-chat");
    this.root.setAttribute("lang", this.language);
    var heading = element("h2", { id: "gx-title-" + n }, L.title);
    this.root.setAttribute("role", "region");
    this.root.setAttribute("aria-labelledby", heading.id);
    this.root.appendChild(heading);
    // The live region is a plain box around the list: a list itself may not take the log role.
    this.scroller = element("div", { "class": "gx-log", role: "log", "aria-live": "polite", "aria-labelledby": heading.id });
    this.log = element("ol", { "class": "gx-messages" });
    this.scroller.appendChild(this.log);
    this.root.appendChild(this.scroller);
    this.status = element("p", { "class": "gx-status", role: "status" });
    this.root.appendChild(this.status);

    this.signInForm = element("form", { "class": "gx-sign-in", hidden: "hidden" });
    this.customer = field(this.signInForm, "gx-customer-" + n, L.customer, "text", "username");
    this.customer.setAttribute("inputmode", "numeric");
    this.passcode = field(this.signInForm, "gx-passcode-" + n, L.passcode, "password", "current-password");
    this.signInForm.appendChild(element("button", { type: "submit" }, L.signIn));
    this.signInForm.addEventListener("submit", function (event) { event.preventDefault(); self.signIn(); });
    this.root.appendChild(this.signInForm);

    this.form = element("form", { "class": "gx-send" });
    this.input = field(this.form, "gx-message-" + n, L.message, "text", "off");
    this.input.setAttribute("maxlength", "2000");
    this.form.appendChild(element("button", { type: "submit" }, L.send));
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.send(); });
    this.root.appendChild(this.form);

    var restart = element("button", { type: "button", "class": "gx-restart" }, L.newChat);
    restart.addEventListener("click", function () { self.restart(); });
    this.root.appendChild(restart);
  };

  Chat.prototype.call = function (method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (this.token) { headers["X-Conversation-Token"] = this.token; }
    return fetch(this.api + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) { var error = new Error(data.message || response.statusText); error.code = data.code; throw error; }
        return data;
      });
    });
  };

  Chat.prototype.show = function (messages) {
    var L = this.labels, self = this;
    messages.forEach(function (m) {
      if (m.id && m.id <= self.lastId) { return; }
      var who = m.sender === "customer" ? L.you : (m.sender === "agent" ? L.agent : L.assistant);
      var item = element("li", { "class": "gx-" + m.sender, "data-sender": m.sender });
      item.appendChild(element("span", { "class": "gx-who" }, who));
      item.appendChild(element("span", { "class": "gx-text" }, m.text));
      self.log.appendChild(item);
      if (m.id) { self.lastId = Math.max(self.lastId, m.id); }
      if (m.data && m.data.needs === "authentication") { self.signInForm.hidden = false; }
    });
    this.scroller.scrollTop = this.scroller.scrollHeight;
  };

  Chat.prototype.follow = function (state) {
    if (state.signed_in) { this.signInForm.hidden = true; this.status.textContent = this.labels.signedIn; }
    var self = this;
    if (state.status === "handed_over" && !this.poller) {
      this.poller = window.setInterval(function () { self.poll(); }, POLL_MS);
    }
  };

  Chat.prototype.fail = function (error) {
    if (error.code === "conversation_not_found" || error.code === "conversation_closed") {
      this.restart();
      return;
    }
    this.status.textContent = this.labels.failed + error.message;
  };

  Chat.prototype.start = function () {
    var self = this;
    if (this.token) { return this.poll(); }
    return this.call("POST", "/conversations", { channel: "web", language: this.language }).then(function (data) {
      self.token = data.token;
      window.sessionStorage.setItem(self.key, data.token);
      self.show(data.messages);
    }).catch(function (error) { self.fail(error); });
  };

  Chat.prototype.poll = function () {
    var self = this;
    return this.call("GET", "/conversations/messages?after=" + this.lastId).then(function (state) {
      self.show(state.messages);
      self.follow(state);
    }).catch(function (error) { self.fail(error); });
  };

  Chat.prototype.send = function () {
    var text = this.input.value.trim(), self = this;
    if (!text) { return; }
    this.input.value = "";
    this.status.textContent = "";
    this.call("POST", "/conversations/messages", { text: text }).then(function (state) {
      self.show(state.messages);
      self.follow(state);
    }).catch(function (error) { self.fail(error); }).then(function () { self.input.focus(); });
  };

  Chat.prototype.signIn = function () {
    var self = this;
    this.status.textContent = "";
    this.call("POST", "/conversations/sign-in", {
      party_id: parseInt(this.customer.value, 10), passcode: this.passcode.value
    }).then(function (state) {
      self.passcode.value = "";
      self.show(state.messages);
      self.follow(state);
      self.input.focus();
    }).catch(function (error) { self.passcode.value = ""; self.fail(error); });
  };

  Chat.prototype.restart = function () {
    if (this.poller) { window.clearInterval(this.poller); this.poller = null; }
    window.sessionStorage.removeItem(this.key);
    this.token = null;
    this.lastId = 0;
    this.log.textContent = "";
    this.status.textContent = "";
    this.signInForm.hidden = true;
    this.start();
  };

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-guanxi-chat]"), function (root) {
      if (!root.guanxiChat) { root.guanxiChat = new Chat(root); root.guanxiChat.start(); }
    });
  }

  window.GuanxiChat = { mountAll: mountAll };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", mountAll); } else { mountAll(); }
}());
