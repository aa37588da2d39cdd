// Kabupaten/kota of Jawa Tengah with their Kemendagri codes (the agencies Suara is seeded with).
export const REGIONS = [
  ["33.01", "Kab. Cilacap"], ["33.02", "Kab. Banyumas"], ["33.03", "Kab. Purbalingga"],
  ["33.04", "Kab. Banjarnegara"], ["33.05", "Kab. Kebumen"], ["33.06", "Kab. Purworejo"],
  ["33.07", "Kab. Wonosobo"], ["33.08", "Kab. Magelang"], ["33.09", "Kab. Boyolali"],
  ["33.10", "Kab. Klaten"], ["33.11", "Kab. Sukoharjo"], ["33.12", "Kab. Wonogiri"],
  ["33.13", "Kab. Karanganyar"], ["33.14", "Kab. Sragen"], ["33.15", "Kab. Grobogan"],
  ["33.16", "Kab. Blora"], ["33.17", "Kab. Rembang"], ["33.18", "Kab. Pati"], ["33.19", "Kab. Kudus"],
  ["33.20", "Kab. Jepara"], ["33.21", "Kab. Demak"], ["33.22", "Kab. Semarang"],
  ["33.23", "Kab. Temanggung"], ["33.24", "Kab. Kendal"], ["33.25", "Kab. Batang"],
  ["33.26", "Kab. Pekalongan"], ["33.27", "Kab. Pemalang"], ["33.28", "Kab. Tegal"],
  ["33.29", "Kab. Brebes"], ["33.71", "Kota Magelang"], ["33.72", "Kota Surakarta"],
  ["33.73", "Kota Salatiga"], ["33.74", "Kota Semarang"], ["33.75", "Kota Pekalongan"],
  ["33.76", "Kota Tegal"],
];
