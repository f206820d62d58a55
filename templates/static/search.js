/* Search in the static export: the same rules as the server (every word of the query must
   begin a word of the release, ignoring case and accents), over a prebuilt index.json. */
(function () {
  "use strict";
  var box = document.getElementById("search-results");
  var input = document.getElementById("search-query");
  if (!box || !input || !window.fetch) { return; }
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function terms(text) {
    var found = fold(text).match(/[\p{L}\p{N}_]+/gu) || [];
    return found.filter(function (t, i) { return found.indexOf(t) === i; }).slice(0, 12);
  }
  function matches(words, term) { return (" " + words).indexOf(" " + term) !== -1; }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }
  function show(docs, wanted) {
    box.textContent = "";
    if (!wanted.length) { return; }
    var hits = docs.filter(function (d) {
      return wanted.every(function (t) { return matches(d.w, t); });
    });
    hits.sort(function (a, b) {
      var ta = wanted.filter(function (t) { return matches(a.h, t); }).length;
      var tb = wanted.filter(function (t) { return matches(b.h, t); }).length;
      return tb - ta || (a.i - b.i);
    });
    if (!hits.length) {
      box.appendChild(element("p", "empty", box.getAttribute("data-none")));
      return;
    }
    var label = hits.length === 1 ? box.getAttribute("data-count-one")
      : box.getAttribute("data-count-many").replace("%(num)s", String(hits.length));
    box.appendChild(element("p", "listing-count", label));
    var list = element("ol", "entries");
    hits.slice(0, 200).forEach(function (d) {
      var item = element("li", "entry");
      var title = element("h2", "entry-title");
      var link = element("a", "", d.t);
      link.href = d.u;
      title.appendChild(link);
      item.appendChild(title);
      item.appendChild(element("p", "entry-meta", d.c + " | " + d.d));
      if (d.s) { item.appendChild(element("p", "entry-summary", d.s)); }
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  if (!query.trim()) { return; }
  fetch("index.json").then(function (r) { return r.json(); }).then(function (docs) {
    docs.forEach(function (d, i) { d.i = i; });
    show(docs, terms(query));
  });
}());
