// After htmx swaps a card in (Bid, Withdraw, Re-sign), focus goes to the card's new button, or to
// the card when it has none: otherwise focus drops to <body> and the next Tab starts again from the
// top of the page (issue 25, item 6). What happened is read out by the page's live region (#live),
// which the server's answer fills (hx-swap-oob): a region created with its message is often not
// announced.
document.addEventListener("htmx:afterSettle", function (event) {
  var card = event.target;
  if (!card || !card.closest || !card.closest("main")) return;
  var button = card.querySelector("form button");
  if (button) {
    button.focus();
    return;
  }
  card.setAttribute("tabindex", "-1");
  card.focus();
});
