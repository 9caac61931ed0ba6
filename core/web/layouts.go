package web

// AuthLayout is the plain layout of the sign-in pages: no navigation, since
// nobody is signed in yet.
const AuthLayout = "layouts/auth"
