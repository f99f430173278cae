// The rich-text editor of a publication's body (django-prose-editor's Tiptap build).
//
// Started here instead of by the package's "configurable" preset because of the
// Content-Security-Policy (script-src 'self'; style-src 'self'; no nonce): that preset needs an
// inline <script type="importmap">, and Tiptap appends an inline <style> to <head>. This module
// imports the editor from the URL the textarea names, creates it with Tiptap's style injection
// off (body_editor.css carries those rules) and labels the toolbar in Chinese.
//
// The server sanitises whatever is posted (publications/sanitise.py); the editor's schema only
// keeps pasted Word content tidy before that.

// The package's dialog texts (it translates them through window.gettext).
const TEXTS = {
  Cancel: "取消",
  Update: "确定",
  Insert: "插入",
  URL: "链接地址",
  Title: "标题（可选）",
  "Edit Link": "编辑链接",
  "Open in new window": "在新窗口打开",
  Rows: "行数",
  Columns: "列数",
  "Include header row": "包含表头行",
  "Table Properties": "表格",
  "Insert Table": "插入表格",
  "Toggle fullscreen": "全屏",
};

// The toolbar's button titles and menu options, which the package does not translate.
const LABELS = {
  paragraph: "正文段落",
  Paragraph: "正文段落",
  "heading 2": "二级标题",
  "heading 3": "三级标题",
  "heading 4": "四级标题",
  "Heading 2": "二级标题",
  "Heading 3": "三级标题",
  "Heading 4": "四级标题",
  bold: "加粗",
  italic: "倾斜",
  underline: "下划线",
  subscript: "下标",
  superscript: "上标",
  "unordered list": "项目符号列表",
  "ordered list": "编号列表",
  blockquote: "引用",
  "horizontal rule": "分隔线",
  "insert link": "插入链接（先选中文字）",
  "remove link": "取消链接",
  "Insert table": "插入表格",
  "Add column": "在右侧插入列",
  "Delete column": "删除列",
  "Add row": "在下方插入行",
  "Delete row": "删除行",
  "Delete table": "删除表格",
  "Toggle header cell": "切换表头单元格",
  "Merge cells": "合并单元格",
  "Split cell": "拆分单元格",
  undo: "撤销",
  redo: "重做",
};

// Links to web pages and mail addresses only, the schemes the sanitiser keeps.
const SAFE_URL = /^(?:https?:\/\/|mailto:)/i;

// Options that JSON cannot carry from the server.
const SCRIPT_OPTIONS = {
  Link: { isAllowedUri: (url) => SAFE_URL.test((url || "").trim()) },
};

// Word copies a <style> block and a style attribute on nearly every element. The schema would
// drop them, but Chromium reports each one it meets while parsing the clipboard as a policy
// violation, even in a detached document, so they go before ProseMirror parses it.
const STYLE_BLOCK = /<style[\s>][\s\S]*?<\/style\s*>/gi;
const TAG = /<[a-z][^>]*>/gi;
const STYLE_ATTRIBUTE = /\sstyle\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)/gi;

function withoutStyles(html) {
  return html.replace(STYLE_BLOCK, "").replace(TAG, (tag) => tag.replace(STYLE_ATTRIBUTE, ""));
}

const modules = new Map();

function loadEditor(url) {
  // The package binds window.gettext when its module runs: offer the Chinese texts for that
  // moment only, so the admin's own scripts keep theirs.
  if (!modules.has(url)) {
    const adminGettext = window.gettext;
    window.gettext = (text) => TEXTS[text] ?? (adminGettext ? adminGettext(text) : text);
    const restore = () => {
      window.gettext = adminGettext;
    };
    modules.set(url, import(url).finally(restore));
  }
  return modules.get(url);
}

// The table dialog's 是/否 choice posts its option's text: keep that as the value.
const CHOICES = { Yes: "是", No: "否" };

function translate(root, content) {
  const elements = [root, ...root.querySelectorAll("*")];
  for (const element of elements) {
    if (content.contains(element)) continue;
    for (const attribute of ["title", "aria-label"]) {
      const label = LABELS[element.getAttribute(attribute)];
      if (label) element.setAttribute(attribute, label);
    }
    if (element.children.length) continue;
    // Only the block-type picker's options: an icon button's text is its icon's ligature name.
    if (element.closest(".prose-menubar__picker")) {
      const label = LABELS[element.textContent];
      if (label) element.textContent = label;
    } else if (element.matches(".prose-editor-dialog option") && CHOICES[element.textContent]) {
      element.value = element.textContent;
      element.textContent = CHOICES[element.textContent];
    }
  }
}

function translateAdded(content) {
  // The package builds the toolbar once the editor is created and a dialog when it opens; the
  // text being edited (``content``) is left alone.
  return (changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) translate(node, content);
      }
    }
  };
}

async function start(textarea) {
  const config = JSON.parse(textarea.dataset.bodyEditor);
  const editor = await loadEditor(config.editor);
  const extensions = [];
  for (const [name, options] of Object.entries(config.extensions)) {
    const extension = editor[name];
    if (!extension) {
      console.error(`body editor: no extension named ${name}`);
      continue;
    }
    const extra = SCRIPT_OPTIONS[name];
    if (typeof options === "object" || extra) {
      const configured = typeof options === "object" ? options : {};
      extensions.push(extension.configure({ ...configured, ...extra }));
    } else {
      extensions.push(extension);
    }
  }
  // The editable area is named like the textarea it replaces, for screen readers.
  const label = textarea.id && document.querySelector(`label[for="${textarea.id}"]`);
  const name = label ? label.textContent.replace(/[:：]\s*$/, "") : "正文";
  // What the package's createTextareaEditor does, with injectCSS off.
  const disabled = textarea.hasAttribute("disabled");
  const wrapper = document.createElement("div");
  wrapper.className = disabled ? "prose-editor disabled" : "prose-editor";
  textarea.before(wrapper);
  wrapper.append(textarea);
  const instance = new editor.Editor({
    element: wrapper,
    editable: !disabled,
    extensions,
    content: textarea.value,
    injectCSS: false,
    editorProps: {
      attributes: { "aria-label": name },
      transformPastedHTML: withoutStyles,
    },
    onUpdate({ editor: current }) {
      const html = current.getHTML();
      // An empty document is one empty paragraph: post an empty body.
      textarea.value = /^<(\w+)(\s[^>]*)?><\/\1>$/i.test(html) ? "" : html;
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    },
    onDestroy() {
      wrapper.before(textarea);
      wrapper.remove();
    },
  });
  const content = instance.view.dom;
  translate(wrapper, content);
  new MutationObserver(translateAdded(content)).observe(wrapper, { childList: true, subtree: true });
  return instance;
}

for (const textarea of document.querySelectorAll("textarea[data-body-editor]")) {
  start(textarea).catch((error) => console.error("body editor:", error));
}
