/* 明查暗访: keeps a copy of the recording pages and their own scripts and styles, so that a
 * page reloaded without a connection still opens (its outbox is in IndexedDB). Only GET
 * requests for a recording page or a static file are answered from the copy, and only when the
 * network fails; nothing else is stored. */
"use strict";
var CACHE = "xn-inspections-v1";
var RECORD = /\/office\/inspections\/visits\/\d+\/record\/$/;

function cacheable(url) {
  return url.origin === self.location.origin &&
    (RECORD.test(url.pathname) || url.pathname.indexOf("/static/") === 0);
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var urls = ((event.data && event.data.cache) || []).filter(function (u) {
    return cacheable(new URL(u, self.location.origin));
  });
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.map(function (u) {
      return fetch(u, { credentials: "same-origin" }).then(function (response) {
        if (response.ok && !response.redirected) return cache.put(u, response);
      }).catch(function () {});
    }));
  }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (!cacheable(url)) return;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      return hit || Response.error();
    });
  }));
});
