/* Search in the static export: the same rules as the server (every word of the query must
   begin a word of the release, ignoring case and accents; releases matching in the title
   first, then newest first), over the index the build writes in index/:
   keys.json (how many releases, how many results to list, which word files exist),
   w-KEY.json (for the words beginning with KEY, the releases having them, in all and in the
   title) and docs-N.json (what a result shows). A search downloads the word files of its
   terms and the docs files of its results. */
(function () {
  "use strict";
  var box = document.getElementById("search-results");
  var input = document.getElementById("search-query");
  if (!box || !input || !window.fetch || !window.Uint8Array) { return; }
  var loaded = {};
  function load(name) {
    if (!loaded[name]) {
      loaded[name] = fetch("index/" + name).then(function (r) {
        if (!r.ok) { throw new Error(name + ": " + r.status); }
        return r.json();
      });
    }
    return loaded[name];
  }
  // As the server's casefold(): lower case, and the two letters whose folding is not their
  // lower case ("ß" is "ss", a final sigma is a sigma).
  function fold(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/ß/g, "ss").replace(/ς/g, "σ");
  }
  function terms(text) {
    var found = fold(text).match(/[\p{L}\p{N}]+/gu) || [];
    return found.filter(function (t, i) { return found.indexOf(t) === i; }).slice(0, 12);
  }
  // The word files a term needs: its own for two letters or more, every file of its letter.
  function filesFor(term, keys) {
    var prefix = Array.from(term).slice(0, 2).join("");
    return Object.keys(keys).filter(function (key) {
      return prefix.length > 1 ? key === prefix : key.indexOf(prefix) === 0;
    }).map(function (key) { return keys[key]; });
  }
  // Marks (1) the releases holding a word that the term begins, from delta-coded numbers.
  function mark(words, term, seen) {
    Object.keys(words).forEach(function (word) {
      if (word.indexOf(term) !== 0) { return; }
      var number = 0;
      words[word].forEach(function (delta) { number += delta; seen[number] = 1; });
    });
  }
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }
  function show(docs) {
    box.textContent = "";
    if (!docs.total) {
      box.appendChild(element("p", "empty", box.getAttribute("data-none")));
      return;
    }
    var number = new Intl.NumberFormat(document.documentElement.lang || undefined).format;
    var label = docs.total === 1 ? box.getAttribute("data-count-one")
      : docs.total > docs.shown.length ? box.getAttribute("data-count-more")
        .replace("%(num)s", number(docs.total)).replace("%(shown)s", number(docs.shown.length))
      : box.getAttribute("data-count-many").replace("%(num)s", number(docs.total));
    box.appendChild(element("p", "listing-count", label));
    var list = element("ol", "entries");
    docs.shown.forEach(function (d) {
      var item = element("li", "entry");
      var title = element("h2", "entry-title");
      var link = element("a", "", d[1]);
      link.href = d[0];
      title.appendChild(link);
      item.appendChild(title);
      item.appendChild(element("p", "entry-meta", d[3] + " | " + d[2]));
      if (d[4]) { item.appendChild(element("p", "entry-summary", d[4])); }
      list.appendChild(item);
    });
    box.appendChild(list);
  }
  function search(meta, wanted) {
    var count = meta.count;
    var matched = new Uint8Array(count);
    var inTitle = new Uint8Array(count);
    return Promise.all(wanted.map(function (term) {
      return Promise.all(filesFor(term, meta.keys).map(load)).then(function (shards) {
        var seen = new Uint8Array(count);
        var seenInTitle = new Uint8Array(count);
        shards.forEach(function (shard) {
          mark(shard.w, term, seen);
          mark(shard.t, term, seenInTitle);
        });
        for (var n = 0; n < count; n++) { matched[n] += seen[n]; inTitle[n] += seenInTitle[n]; }
      });
    })).then(function () {
      var hits = [];
      for (var n = 0; n < count; n++) { if (matched[n] === wanted.length) { hits.push(n); } }
      // Numbers are newest first: ties on the title keep that order.
      hits.sort(function (a, b) { return inTitle[b] - inTitle[a] || a - b; });
      var shown = hits.slice(0, meta.shown);
      var chunks = shown.map(function (n) { return Math.floor(n / meta.docs); });
      chunks = chunks.filter(function (c, i) { return chunks.indexOf(c) === i; });
      return Promise.all(chunks.map(function (c) { return load("docs-" + c + ".json"); }))
        .then(function (files) {
          var byChunk = {};
          chunks.forEach(function (c, i) { byChunk[c] = files[i]; });
          return {
            total: hits.length,
            shown: shown.map(function (n) { return byChunk[Math.floor(n / meta.docs)][n % meta.docs]; })
          };
        });
    });
  }
  function unavailable() {
    box.textContent = "";
    box.appendChild(element("p", "empty", box.getAttribute("data-error")));
  }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  input.value = query;
  var wanted = terms(query);
  if (!wanted.length) { return; }
  load("keys.json").then(function (meta) { return search(meta, wanted); }).then(show, unavailable);
}());
