// Polls a job's status.json and updates the progress bar until the job has finished.
(function () {
  document.querySelectorAll(".job[data-status-url]").forEach(function (box) {
    if (box.dataset.finished === "1") return;
    var bar = box.querySelector(".progress");
    function poll() {
      fetch(box.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          bar.setAttribute("aria-valuenow", data.progress);
          bar.querySelector(".progress-bar").style.width = data.progress + "%";
          box.querySelector("[data-job-progress]").textContent = data.progress;
          box.querySelector("[data-job-status]").textContent = data.status_label;
          var rows = box.querySelector("[data-job-rows]");
          if (rows && data.rows) { rows.textContent = data.rows; box.querySelector("[data-job-rows-box]").hidden = false; }
          box.querySelector("[data-job-log]").textContent = data.log;
          if (data.has_file) box.querySelector("[data-job-download]").hidden = false;
          var notice = box.querySelector("[data-job-broker]");
          if (notice) { notice.textContent = data.broker_notice; notice.hidden = !data.broker_notice; }
          if (!data.finished) setTimeout(poll, 1000);
          else {
            box.dataset.finished = "1";
            // a failure shows 重试失败项; a finished import its rows in error or its next step
            if (data.status === "failed" || "reloadOnFinish" in box.dataset) window.location.reload();
          }
        })
        .catch(function () { setTimeout(poll, 3000); });
    }
    poll();
  });
})();
